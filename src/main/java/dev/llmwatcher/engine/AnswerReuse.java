package dev.llmwatcher.engine;

import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * One pass's way of not paying twice for the same question: before the calls, a page of prepared documents is
 * looked up in the answer cache at once and the hits are completed without a call; at the call, documents with the
 * same question share one call ({@link SharedCalls}), and the answer of a call that was interpreted without error
 * travels with its result to be cached in the same bulk.
 */
final class AnswerReuse implements PassAnswers {

    private final StoredAnswers cache;
    private final DocumentProcessor processor;
    private final SharedCalls shared = new SharedCalls();

    AnswerReuse(StoredAnswers cache, DocumentProcessor processor) {
        this.cache = cache;
        this.processor = processor;
    }

    /** A page: its questions are looked up at once. */
    @Override
    public int groupSize(int pageSize) {
        return pageSize;
    }

    /**
     * Hands the documents the cache answers to {@code outcomes} and returns the others, to be called. Questions
     * already asked in this pass are not looked up: they share that call.
     */
    @Override
    public List<PreparedDocument> answerFromCache(List<PreparedDocument> prepared, Consumer<DocumentOutcome> outcomes) {
        List<PreparedDocument> toCall = new ArrayList<>();
        List<StoredAnswers.Keyed> toLookUp = new ArrayList<>();
        for (PreparedDocument document : prepared) {
            StoredAnswers.Keyed keyed = cache.keyed(document);
            if (shared.known(keyed.key())) {
                toCall.add(keyed.prepared());
            } else {
                toLookUp.add(keyed);
            }
        }
        StoredAnswers.Lookup lookup = cache.lookupKeyed(toLookUp);
        for (StoredAnswers.Hit hit : lookup.hits()) {
            Optional<DocumentOutcome.Completed> completed = cache.complete(hit);
            if (completed.isPresent()) {
                outcomes.accept(completed.get());
            } else {
                toCall.add(hit.prepared());
            }
        }
        toCall.addAll(lookup.missedDocuments());
        return toCall;
    }

    /**
     * Calls the LLM for the document, or shares the call another document with the same question makes. Returns
     * the outcome of a call this document made; for a shared call, the outcome goes to {@code outcomes} once the
     * call has ended, and this returns empty at once, so the worker goes on to the next document.
     */
    @Override
    public Optional<DocumentOutcome> callOrShare(PreparedDocument prepared, CallTimeout timeout,
                                                 Consumer<DocumentOutcome> outcomes) {
        CacheKey key = processor.cacheKey(prepared);
        SharedCalls.Share share = shared.join(key);
        if (!share.leader()) {
            share.answer().whenComplete((answer, failure) -> outcomes.accept(sharedOutcome(prepared, answer, failure)));
            return Optional.empty();
        }
        LlmAnswer answer;
        try {
            answer = processor.ask(prepared, timeout);
        } catch (LlmException e) {
            shared.failed(key, share, new SharedCalls.CallFailed(e, timeout.cutByDeadline()));
            return Optional.of(DocumentProcessor.failedCall(prepared, e, timeout.cutByDeadline()));
        } catch (RuntimeException e) {
            shared.failed(key, share, e);
            throw e;
        }
        DocumentOutcome outcome = processor.complete(prepared, answer, DocumentProcessor.paidCall(prepared, answer));
        if (outcome instanceof DocumentOutcome.Completed completed) {
            outcome = completed.caching(cache.entry(key, answer, prepared.instructions().model()));
            shared.answered(key, share, answer, true);
        } else {
            shared.answered(key, share, answer, false);
        }
        return Optional.of(outcome);
    }

    /** The outcome of a document that shared another's call: its answer, or its failure, as the document's own. */
    private DocumentOutcome sharedOutcome(PreparedDocument prepared, LlmAnswer answer, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof SharedCalls.CallFailed failed) {
                return DocumentProcessor.failedCall(prepared, failed.llmException(), failed.cutByDeadline());
            }
            return new DocumentOutcome.Failed(prepared.document(), prepared.instructions().attempts(),
                    "internal error in the call this document shared: " + cause.getClass().getSimpleName() + ": "
                            + cause.getMessage(), null);
        }
        DocumentOutcome outcome = processor.complete(prepared, answer, null);
        if (outcome instanceof DocumentOutcome.Completed completed) {
            return completed.reusing(new DocumentOutcome.Reused(prepared.instructions().model(), false,
                    answer.usage()));
        }
        return outcome;
    }
}
