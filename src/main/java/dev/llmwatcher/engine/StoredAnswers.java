package dev.llmwatcher.engine;

import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.queue.QueueUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The answer cache as the engine uses it when it is on: one look-up for many prepared documents (a page at a time,
 * never a request per document), split into hits younger than the maximum age and misses; a hit is interpreted and
 * merged exactly as a fresh answer is ({@link DocumentProcessor#complete}). Usable on its own by any drain that must
 * not pay for a question already answered.
 */
public final class StoredAnswers implements CachedAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(StoredAnswers.class);

    private final AnswerCache cache;
    private final DocumentProcessor processor;
    private final Duration maxAge;
    private final Clock clock;
    private final AtomicBoolean lookupFailureLogged = new AtomicBoolean();

    /** @param maxAge how old a cached answer may be and still be given */
    public StoredAnswers(AnswerCache cache, DocumentProcessor processor, Duration maxAge, Clock clock) {
        this.cache = cache;
        this.processor = processor;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** A prepared document with its question's key. */
    public record Keyed(PreparedDocument prepared, CacheKey key) {
    }

    /** A document whose question the cache holds an answer to, young enough to be given. */
    public record Hit(PreparedDocument prepared, CacheKey key, CachedAnswer answer) {
    }

    /** What one look-up found. */
    public record Lookup(List<Hit> hits, List<Keyed> misses) {

        public List<PreparedDocument> missedDocuments() {
            return misses.stream().map(Keyed::prepared).toList();
        }
    }

    @Override
    public PassAnswers forPass(DocumentProcessor caller) {
        return new AnswerReuse(this, caller);
    }

    /**
     * Looks the documents' questions up in one request; the hits completed as fresh answers are, the misses and the
     * hits that no longer validate to be answered by a call, in that order.
     */
    @Override
    public Answered answer(List<PreparedDocument> prepared) {
        Lookup lookup = lookup(prepared);
        List<DocumentOutcome.Completed> completed = new ArrayList<>();
        List<PreparedDocument> unanswered = new ArrayList<>(lookup.missedDocuments());
        for (Hit hit : lookup.hits()) {
            complete(hit).ifPresentOrElse(completed::add, () -> unanswered.add(hit.prepared()));
        }
        return new Answered(completed, unanswered);
    }

    @Override
    public DocumentOutcome.Completed keeping(DocumentOutcome.Completed completed, PreparedDocument prepared,
                                             LlmAnswer answer) {
        return completed.caching(entry(processor.cacheKey(prepared), answer, prepared.instructions().model()));
    }

    /** The key of a prepared document's question; the document returned carries it, for its call. */
    public Keyed keyed(PreparedDocument prepared) {
        CacheKey key = processor.cacheKey(prepared);
        return new Keyed(prepared.withCacheKey(key), key);
    }

    /** Looks the documents' questions up in one request. */
    public Lookup lookup(List<PreparedDocument> prepared) {
        return lookupKeyed(prepared.stream().map(this::keyed).toList());
    }

    /**
     * Looks the documents' questions up in one request. A cache that cannot be read (a missing privilege, say) is
     * logged (once) and makes every document a miss: the documents are answered by calls, never lost or failed.
     */
    public Lookup lookupKeyed(List<Keyed> documents) {
        if (documents.isEmpty()) {
            return new Lookup(List.of(), List.of());
        }
        Set<CacheKey> keys = new LinkedHashSet<>();
        documents.forEach(document -> keys.add(document.key()));
        Map<CacheKey, CachedAnswer> found;
        try {
            found = cache.lookup(keys);
        } catch (QueueUnavailableException e) {
            if (lookupFailureLogged.compareAndSet(false, true)) {
                LOG.warn("The answer cache could not be read, so these documents are answered by LLM calls: {}",
                        e.getMessage());
            }
            return new Lookup(List.of(), documents);
        } catch (RuntimeException e) {
            LOG.warn("The answer cache look-up failed unexpectedly, so these documents are answered by LLM calls", e);
            return new Lookup(List.of(), documents);
        }
        Instant notBefore = clock.instant().minus(maxAge);
        List<Hit> hits = new ArrayList<>();
        List<Keyed> misses = new ArrayList<>();
        for (Keyed document : documents) {
            CachedAnswer answer = found.get(document.key());
            if (answer != null && answer.answeredSince(notBefore)) {
                hits.add(new Hit(document.prepared(), document.key(), answer));
            } else {
                misses.add(document);
            }
        }
        return new Lookup(hits, misses);
    }

    /**
     * The hit's answer interpreted and merged for its document; empty when it no longer does (an answer an older
     * version cached, say), and the document must be answered by a call.
     */
    public Optional<DocumentOutcome.Completed> complete(Hit hit) {
        DocumentOutcome outcome = processor.complete(hit.prepared(), hit.answer().asAnswer(), null);
        if (outcome instanceof DocumentOutcome.Completed completed) {
            return Optional.of(completed.reusing(new DocumentOutcome.Reused(
                    hit.prepared().instructions().model(), true, hit.answer().usage())));
        }
        LOG.debug("The cached answer for document {} no longer validates; calling the LLM instead",
                hit.prepared().document().id());
        return Optional.empty();
    }

    /**
     * The cache entry for an answer just paid for and interpreted without error, to travel with its result
     * ({@link dev.llmwatcher.queue.CompletedDocument#caching}).
     */
    public CacheEntry entry(CacheKey key, LlmAnswer answer, String model) {
        return new CacheEntry(key, CachedAnswer.of(answer, model, clock.instant()));
    }
}
