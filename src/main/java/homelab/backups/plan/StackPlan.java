package homelab.backups.plan;

import homelab.backups.config.StackInputs;
import homelab.backups.config.Volume;
import java.util.List;

/** The whole stack's plan: one entry per backed-up volume, plus what the inventory lists but excludes. */
public record StackPlan(StackInputs inputs, List<VolumePlan> volumes, List<Volume> excluded) {
    public StackPlan {
        volumes = List.copyOf(volumes);
        excluded = List.copyOf(excluded);
    }
}
