package dev.llmwatcher.queue;

import dev.llmwatcher.cache.AnswerCache;
import org.junit.jupiter.api.BeforeEach;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * What the storage ports' contract suites share: the implementation under test, from its subclass, and a queue and a
 * target index of the test's own.
 */
public abstract class AbstractPortTest {

    /** Now, as precise as the stores keep dates. */
    protected static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    protected PortFixture<?> ports;
    protected QueueStore store;
    protected BatchQueue batches;
    protected AnswerCache cache;
    protected String queue;
    protected String target;

    /** The implementation under test, its answer cache empty (every test uses indices of its own). */
    protected abstract PortFixture<?> ports();

    @BeforeEach
    void openPorts() {
        ports = ports();
        store = ports.queueStore();
        batches = ports.batchQueue();
        cache = ports.answerCache();
        String unique = UUID.randomUUID().toString().substring(0, 8);
        queue = "queue-" + unique;
        target = "target-" + unique;
    }
}
