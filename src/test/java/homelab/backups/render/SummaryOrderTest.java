package homelab.backups.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * summary.txt must not depend on the order in which the engine received registrations: the SDK registers each
 * resource once its inputs resolve, asynchronously, and the two bucket lines used to swap about one render in twelve.
 * Two renders rarely show it; every order of the same registrations does.
 */
class SummaryOrderTest {
    @Test
    void theSummaryIsTheSameWhateverOrderTheRegistrationsArrivedIn() {
        var render = StackRender.of(TestStacks.prodPlan());
        var summary = render.summary();
        assertTrue(summary.stream().filter(l -> l.contains("(aws:s3/bucketV2:BucketV2)")).count() == 2,
                "the prod summary has the two buckets whose lines used to swap: " + summary);
        var mocks = render.run().mocks();
        mocks.reorder(list -> {
            var reversed = new ArrayList<>(list);
            Collections.reverse(reversed);
            return reversed;
        }, list -> list);
        assertEquals(summary, render.summary(), "reversed registrations");
        for (long seed = 1; seed <= 20; seed++) {
            var random = new Random(seed);
            mocks.reorder(list -> {
                var shuffled = new ArrayList<>(list);
                Collections.shuffle(shuffled, random);
                return shuffled;
            }, list -> {
                var shuffled = new ArrayList<>(list);
                Collections.shuffle(shuffled, random);
                return shuffled;
            });
            assertEquals(summary, render.summary(), "registrations shuffled with seed " + seed);
        }
    }
}
