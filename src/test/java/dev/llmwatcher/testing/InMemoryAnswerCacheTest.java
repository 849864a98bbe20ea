package dev.llmwatcher.testing;

import dev.llmwatcher.cache.AbstractAnswerCacheTest;
import dev.llmwatcher.queue.PortFixture;

/** The fake keeps answers as the Elasticsearch adapter does, or the engine's answer cache tests prove nothing. */
class InMemoryAnswerCacheTest extends AbstractAnswerCacheTest {

    @Override
    protected PortFixture<?> ports() {
        return new InMemoryPorts();
    }
}
