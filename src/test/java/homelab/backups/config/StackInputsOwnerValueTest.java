package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An OWNER placeholder in the committed settings (the pgBackRest TLS endpoint nobody can know but the owner) lets the
 * stack be rendered for review, and stops anything that would touch a cluster (App calls requireNoOwnerValues before it
 * registers a resource).
 */
class StackInputsOwnerValueTest {
    @Test
    void theCommittedProdStackLoadsWithItsOwnerValueAndIsRefusedForDeployment() {
        var inputs = StackInputs.load(TestStacks.committedProdConfig(), TestStacks.PROJECT, TestStacks.CLOCK);
        assertEquals(List.of("pgbackrest.endpoint"), inputs.ownerValues().stream().map(ConfigError::field).toList());
        assertEquals(SettingsLoader.OWNER_ENDPOINT, inputs.settings().databases().pgbackrestEndpoint().orElseThrow().toString(),
                "the render shows a host that can never resolve");
        var refused = assertThrows(ConfigErrors.InvalidConfigException.class, inputs::requireNoOwnerValues);
        assertTrue(refused.getMessage().startsWith("OWNER values still to fill in (1); nothing was registered:"), refused.getMessage());
        assertTrue(refused.getMessage().contains("homelab-backups:databases: pgbackrest.endpoint: is an OWNER value still to fill in"),
                refused.getMessage());
    }

    @Test
    void aFilledInStackHasNoneAndDeploys() {
        var inputs = StackInputs.load(TestStacks.prodConfig(), TestStacks.PROJECT, TestStacks.CLOCK);
        assertEquals(List.of(), inputs.ownerValues());
        inputs.requireNoOwnerValues();
    }
}
