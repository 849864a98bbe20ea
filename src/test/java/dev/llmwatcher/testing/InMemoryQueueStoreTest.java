package dev.llmwatcher.testing;

import dev.llmwatcher.queue.AbstractQueueStoreTest;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fake follows the queue port's contract as the Elasticsearch adapter does, or the engine tests prove nothing;
 * beside the contract, its scripted back-pressure.
 */
class InMemoryQueueStoreTest extends AbstractQueueStoreTest {

    private final InMemoryQueueStore fake = new InMemoryQueueStore();

    @Override
    protected PortFixture<?> ports() {
        return new InMemoryPorts(fake);
    }

    @Test
    void scriptedBackPressureAnswersTheNextResultBulksAndThenStores() {
        queue("a");
        QueuedDocument claimed = store.claim(queue, List.of(read("a")), new Claim("one", NOW)).get(0);
        List<CompletedDocument> result = List.of(new CompletedDocument(claimed, target, Map.of("x", 1)));
        fake.rejectResultBulksAsBusy(1);
        fake.pushBackResultBulks(1);

        assertThatThrownBy(() -> store.store(queue, result)).isInstanceOf(QueueBusyException.class);
        assertThat(store.store(queue, result)).singleElement().satisfies(o -> assertThat(o.pushedBack()).isTrue());
        assertThat(store.store(queue, result)).containsExactly(WriteOutcome.done("a"));
        assertThat(fake.resultBulks()).isEqualTo(3);
    }
}
