package homelab.backups.plan;

import homelab.backups.config.StackInputs;
import homelab.backups.config.Volume;
import java.util.List;

/** The whole stack's plan: one entry per backed-up volume and database, plus the volumes the inventory excludes. */
public record StackPlan(StackInputs inputs, List<VolumePlan> volumes, List<Volume> excluded,
                        List<DatabasePlan> databases) {
    public StackPlan {
        volumes = List.copyOf(volumes);
        excluded = List.copyOf(excluded);
        databases = List.copyOf(databases);
    }
}
