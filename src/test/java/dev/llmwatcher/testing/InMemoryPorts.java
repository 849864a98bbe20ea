package dev.llmwatcher.testing;

import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.queue.QueuedDocument;

import java.util.Map;
import java.util.Optional;

/** The in-memory fake as the contract suites drive it: one {@link InMemoryQueueStore} is every port. */
public final class InMemoryPorts extends PortFixture<InMemoryQueueStore> {

    public InMemoryPorts(InMemoryQueueStore store) {
        super(store);
    }

    public InMemoryPorts() {
        this(new InMemoryQueueStore());
    }

    @Override
    public void queue(String queueIndex, String id, Map<String, Object> source) {
        store().queue(queueIndex, id, source);
    }

    @Override
    public void remove(String queueIndex, String id) {
        store().remove(queueIndex, id);
    }

    @Override
    public void write(String index, Map<String, Map<String, Object>> sourcesById) {
        sourcesById.forEach((id, source) -> store().write(index, id, source));
    }

    @Override
    public void delete(String index, String id) {
        store().deleteStored(index, id);
    }

    @Override
    public Optional<Map<String, Object>> source(String index, String id) {
        return store().queued(index, id).map(QueuedDocument::source).or(() -> store().stored(index, id));
    }
}
