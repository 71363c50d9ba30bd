package homelab.backups.plan;

import homelab.backups.config.StackInputs;
import homelab.backups.config.Volume;
import java.util.List;

/**
 * The whole stack's plan: one entry per backed-up volume and database, plus the volumes the inventory excludes, and a
 * restore drill per backed-up volume when drills are enabled.
 */
public record StackPlan(StackInputs inputs, List<VolumePlan> volumes, List<Volume> excluded,
                        List<DatabasePlan> databases, List<DrillPlan> drills, List<DatabaseDrillPlan> databaseDrills) {
    /** The plan before database drills (issue 22): none. */
    public StackPlan(StackInputs inputs, List<VolumePlan> volumes, List<Volume> excluded,
                     List<DatabasePlan> databases, List<DrillPlan> drills) {
        this(inputs, volumes, excluded, databases, drills, List.of());
    }

    public StackPlan {
        databaseDrills = List.copyOf(databaseDrills);
        drills = List.copyOf(drills);
        volumes = List.copyOf(volumes);
        excluded = List.copyOf(excluded);
        databases = List.copyOf(databases);
    }
}
