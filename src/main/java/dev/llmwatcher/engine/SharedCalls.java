package dev.llmwatcher.engine;

import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One call per question within a pass (single flight): the first document with a question makes the call, every
 * other document with the same question shares it. An answer stays for the rest of the pass, so a later page does
 * not pay again before the bulk that caches it has been written; a failed call is forgotten, so a later document
 * calls again.
 */
final class SharedCalls {

    private final ConcurrentHashMap<CacheKey, CompletableFuture<LlmAnswer>> calls = new ConcurrentHashMap<>();

    /** A document's part in a call: {@code leader} makes it, the others wait for {@code answer}. */
    record Share(CompletableFuture<LlmAnswer> answer, boolean leader) {
    }

    /** Why a shared call failed, for each document that shared it. */
    static final class CallFailed extends RuntimeException {

        private final transient LlmException cause;
        private final boolean cutByDeadline;

        CallFailed(LlmException cause, boolean cutByDeadline) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
            this.cutByDeadline = cutByDeadline;
        }

        LlmException llmException() {
            return cause;
        }

        boolean cutByDeadline() {
            return cutByDeadline;
        }
    }

    /** True when a call for {@code key} is in flight or answered in this pass. */
    boolean known(CacheKey key) {
        return calls.containsKey(key);
    }

    Share join(CacheKey key) {
        CompletableFuture<LlmAnswer> mine = new CompletableFuture<>();
        CompletableFuture<LlmAnswer> existing = calls.putIfAbsent(key, mine);
        return existing == null ? new Share(mine, true) : new Share(existing, false);
    }

    /**
     * The leader's call answered; the sharers get the answer. {@code keep}: whether it answers later documents of
     * the pass too (only an answer that was interpreted without error does).
     */
    void answered(CacheKey key, Share share, LlmAnswer answer, boolean keep) {
        if (!keep) {
            calls.remove(key, share.answer());
        }
        share.answer().complete(answer);
    }

    /** The leader's call failed: forgotten first, so a document that comes later calls again. */
    void failed(CacheKey key, Share share, RuntimeException failure) {
        calls.remove(key, share.answer());
        share.answer().completeExceptionally(failure);
    }
}
