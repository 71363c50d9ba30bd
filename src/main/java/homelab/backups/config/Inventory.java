package homelab.backups.config;

import java.util.List;

/** What a stack backs up: the volumes and databases of {@code stacks/<stack>/inventory.yaml}. */
public record Inventory(String file, List<Volume> volumes, List<Database> databases) {
    public Inventory {
        volumes = List.copyOf(volumes);
        databases = List.copyOf(databases);
    }

    public List<Volume> backedUpVolumes() {
        return volumes.stream().filter(v -> !v.excluded()).toList();
    }
}
