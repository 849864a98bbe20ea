package dev.llmwatcher.cache;

import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.AbstractPortTest;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of the answer cache port ({@link AnswerCache}), stated once for every implementation, one small subclass
 * each (as {@code AbstractQueueStoreTest} does for the queue): answers are written with the results they answered, in
 * the same write ({@link CompletedDocument#caching}), and looked up many keys at a time.
 */
public abstract class AbstractAnswerCacheTest extends AbstractPortTest {

    private static final Instant ANSWERED = NOW;

    private static CacheKey key(String prompt) {
        return CacheKey.of("ollama", "http://ollama.test:11434", "llama3.3", prompt, null, Map.of());
    }

    private static CachedAnswer answer(String text, String finishReason) {
        return new CachedAnswer(text, finishReason, new TokenUsage(12, 3), "llama3.3", ANSWERED);
    }

    /** Stores one result per entry, each carrying its entry to the cache, in one write in the entries' order. */
    private List<WriteOutcome> storeAnswered(List<CacheEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            ports.queue(queue, "d" + i, PortFixture.queueDocument(Map.of("n", i), Map.of("provider", "ollama",
                    "_original_index", target)));
        }
        List<QueuedDocument> claimed = store.claim(queue, scanAll(store, query(queue, Selection.NEW,
                NOW)), new Claim("test-run", NOW.plusSeconds(300)));
        List<CompletedDocument> completed = new ArrayList<>();
        for (QueuedDocument document : claimed.stream().sorted(Comparator.comparing(QueuedDocument::id)).toList()) {
            CacheEntry entry = entries.get(Integer.parseInt(document.id().substring(1)));
            completed.add(new CompletedDocument(document, target, document.userFields()).caching(entry));
        }
        return store.store(queue, completed);
    }

    @Test
    void anEmptyCacheHoldsNoAnswer() {
        assertThat(cache.lookup(List.of(key("Rate: great")))).isEmpty();
        assertThat(cache.lookup(List.of())).isEmpty();
    }

    @Test
    void anAnswerWrittenWithItsResultIsFoundByItsQuestionAsItWasGiven() {
        CachedAnswer stopped = answer("{\"scale\": 5}", "stop");
        CachedAnswer withoutReason = answer("{\"scale\": 1}", null);

        List<WriteOutcome> outcomes = storeAnswered(List.of(new CacheEntry(key("Rate: great"), stopped),
                new CacheEntry(key("Rate: awful"), withoutReason)));

        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.stored()).isTrue());
        assertThat(cache.lookup(List.of(key("Rate: great"), key("Rate: awful")))).containsOnly(
                Map.entry(key("Rate: great"), stopped), Map.entry(key("Rate: awful"), withoutReason));
    }

    @Test
    void oneLookUpAnswersTheKeysTheCacheHoldsAndLeavesTheOthersOut() {
        storeAnswered(List.of(new CacheEntry(key("one"), answer("1", "stop")),
                new CacheEntry(key("two"), answer("2", "stop"))));

        assertThat(cache.lookup(List.of(key("one"), key("unknown"), key("two"))))
                .containsOnlyKeys(key("one"), key("two"));
    }

    @Test
    void aQuestionAnsweredTwiceInOneWriteKeepsTheFirstAnswer() {
        storeAnswered(List.of(new CacheEntry(key("same"), answer("first", "stop")),
                new CacheEntry(key("same"), answer("second", "stop"))));

        assertThat(cache.lookup(List.of(key("same")))).containsEntry(key("same"), answer("first", "stop"));
    }

    @Test
    void aLaterAnswerToTheSameQuestionReplacesTheEarlierOne() {
        storeAnswered(List.of(new CacheEntry(key("again"), answer("earlier", "stop"))));
        storeAnswered(List.of(new CacheEntry(key("again"), answer("later", "stop"))));

        assertThat(cache.lookup(List.of(key("again")))).containsEntry(key("again"), answer("later", "stop"));
    }
}
