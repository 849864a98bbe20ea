package dev.llmwatcher.engine;

import dev.llmwatcher.answer.Answer;
import dev.llmwatcher.answer.AnswerException;
import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.FormatSpec;
import dev.llmwatcher.answer.InvalidFormatException;
import dev.llmwatcher.answer.ResultMerger;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.config.IndexPatterns;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmProviders;
import dev.llmwatcher.llm.LlmRequest;
import dev.llmwatcher.llm.UnknownProviderException;
import dev.llmwatcher.prompt.PromptException;
import dev.llmwatcher.prompt.PromptRenderer;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuedDocument;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything that happens to one claimed document between the queue and the write-back, in two steps: {@link
 * #prepare} reads its instructions and renders the prompt (a document that fails here costs no call), {@link #call}
 * calls the LLM and interprets and merges the answer. A document whose answer an earlier pass set aside skips both:
 * {@link #pendingResult} hands its result over as it is. A document's own problem is an {@link
 * InvalidDocumentException} or an outcome with a message the user can act on, never anything else.
 */
public final class DocumentProcessor {

    private final LlmProviders llms;
    private final PromptRenderer renderer;
    private final AnswerInterpreter interpreter;
    private final ResultMerger merger;
    private final int maxPromptChars;
    private final IndexPatterns allowedTargets;

    public DocumentProcessor(LlmProviders llms, PromptRenderer renderer, AnswerInterpreter interpreter,
                             ResultMerger merger, int maxPromptChars) {
        this(llms, renderer, interpreter, merger, maxPromptChars, IndexPatterns.ANY);
    }

    /** @param allowedTargets the indices answers may be written to; a document naming another fails */
    public DocumentProcessor(LlmProviders llms, PromptRenderer renderer, AnswerInterpreter interpreter,
                             ResultMerger merger, int maxPromptChars, IndexPatterns allowedTargets) {
        this.llms = llms;
        this.renderer = renderer;
        this.interpreter = interpreter;
        this.merger = merger;
        this.maxPromptChars = maxPromptChars;
        this.allowedTargets = allowedTargets;
    }

    /**
     * The result an earlier pass answered and merged but could not store before its deadline (Elasticsearch pushed
     * back), set aside under {@code _llm_watcher.pending_result}: it is stored as it is, since calling the LLM again
     * would pay twice for the same answer. Empty for a document without one.
     *
     * @throws InvalidDocumentException when the field is not an object or the result has nowhere to go
     */
    public Optional<CompletedDocument> pendingResult(QueuedDocument document) throws InvalidDocumentException {
        Object pending = document.meta().get(QueueFields.PENDING_RESULT);
        if (pending == null) {
            return Optional.empty();
        }
        if (!(pending instanceof Map<?, ?> result)) {
            throw new InvalidDocumentException("_llm_watcher." + QueueFields.PENDING_RESULT + " (a result set aside "
                    + "by an earlier pass) is not an object but " + InstructionsReader.typeName(pending)
                    + "; remove the field to have the document answered again");
        }
        if (!(document.meta().get(QueueFields.ORIGINAL_INDEX) instanceof String target) || target.isBlank()) {
            throw new InvalidDocumentException("no _llm_watcher._original_index: the set-aside result has nowhere "
                    + "to go");
        }
        checkTarget(target);
        Map<String, Object> fields = new LinkedHashMap<>();
        result.forEach((name, value) -> fields.put(String.valueOf(name), value));
        return Optional.of(new CompletedDocument(document, target, fields));
    }

    /**
     * The outcome of a document that is not sent for an answer: its set-aside result to store, or its failure when it
     * cannot be prepared; a document that turns out ready after all is released for a pass that calls.
     */
    public DocumentOutcome withoutCall(QueuedDocument document) {
        try {
            Optional<CompletedDocument> pending = pendingResult(document);
            if (pending.isPresent()) {
                return new DocumentOutcome.Completed(pending.get(), null);
            }
            prepare(document);
            return new DocumentOutcome.Abandoned(document, "ready for a call", false);
        } catch (InvalidDocumentException e) {
            return new DocumentOutcome.Failed(document, document.attempts(), e.getMessage(), null);
        }
    }

    /**
     * Anyone who can write into the queue names the index its answer goes to: it must be one the operator allows
     * (checked before any call, and for a set-aside result before it is stored).
     */
    private void checkTarget(String index) throws InvalidDocumentException {
        if (!allowedTargets.matches(index)) {
            throw new InvalidDocumentException("_original_index \"" + index + "\" is not an index answers may be "
                    + "written to (--allowed-target-indices " + allowedTargets + "); nothing was written there");
        }
    }

    /** Checks a document and renders its prompt, without calling anything. */
    public PreparedDocument prepare(QueuedDocument document) throws InvalidDocumentException {
        Instructions instructions = InstructionsReader.read(document);
        checkTarget(instructions.originalIndex());
        try {
            llms.forProvider(instructions.provider());
        } catch (UnknownProviderException e) {
            throw new InvalidDocumentException(e.getMessage(), e);
        }
        FormatSpec format;
        try {
            format = FormatSpec.parse(instructions.format());
        } catch (InvalidFormatException e) {
            throw new InvalidDocumentException(e.getMessage(), e);
        }
        String prompt;
        try {
            prompt = renderer.render(instructions.prompt(), document.userFields());
        } catch (PromptException e) {
            throw new InvalidDocumentException(e.getMessage(), e);
        }
        if (prompt.length() > maxPromptChars) {
            throw new InvalidDocumentException("the rendered prompt has " + prompt.length()
                    + " characters, more than the limit of " + maxPromptChars + " (--max-prompt-chars)");
        }
        return new PreparedDocument(document, instructions, format, prompt);
    }

    /**
     * Calls the LLM for a prepared document, then interprets and merges the answer. When {@code timeout} was
     * shortened to fit the pass's deadline, a timeout is the pass's doing, not the document's: the document is
     * released without counting an attempt.
     */
    public DocumentOutcome call(PreparedDocument prepared, CallTimeout timeout) {
        LlmAnswer answer;
        try {
            answer = ask(prepared, timeout);
        } catch (LlmException e) {
            return failedCall(prepared, e, timeout.cutByDeadline());
        }
        return complete(prepared, answer, paidCall(prepared, answer));
    }

    /** Sends a prepared document's request and returns the raw answer, uninterpreted. */
    LlmAnswer ask(PreparedDocument prepared, CallTimeout timeout) throws LlmException {
        LlmClient client = llms.forProvider(prepared.instructions().provider());
        return client.complete(request(prepared, timeout.duration()));
    }

    /** What an answer paid for in this pass is reported as. */
    static DocumentOutcome.LlmCall paidCall(PreparedDocument prepared, LlmAnswer answer) {
        return new DocumentOutcome.LlmCall(prepared.instructions().model(), answer.usage(), answer.latency(),
                answer.providerLatency());
    }

    /**
     * The answer cache's key of a prepared document: its provider and where that provider's requests go, model,
     * rendered prompt, format as sent and options; the one it carries when it was worked out before.
     */
    public CacheKey cacheKey(PreparedDocument prepared) {
        return prepared.cacheKey().orElseGet(() -> {
            Instructions instructions = prepared.instructions();
            return CacheKey.of(instructions.provider(), llms.endpoint(instructions.provider()), instructions.model(),
                    prepared.prompt(), prepared.format().requestFormat(), instructions.options());
        });
    }

    /** The LLM request for a prepared document: what a direct call sends, and what a batch line asks for. */
    public static LlmRequest request(PreparedDocument prepared, Duration timeout) {
        Instructions instructions = prepared.instructions();
        return new LlmRequest(instructions.model(), prepared.prompt(), prepared.format().requestFormat(),
                instructions.options(), timeout);
    }

    /**
     * The outcome of a call that failed, however it was made: a batch's error line fails its document as the direct
     * call's error would have.
     */
    public DocumentOutcome failed(PreparedDocument prepared, LlmException e) {
        return failedCall(prepared, e, false);
    }

    /**
     * Interprets an answer for a prepared document (parsing, schema validation) and merges it into the document's
     * fields, however the answer was obtained. {@code call} is what is reported for it (null when nothing was paid
     * for it in this pass).
     */
    public DocumentOutcome complete(PreparedDocument prepared, LlmAnswer answer, DocumentOutcome.LlmCall call) {
        Instructions instructions = prepared.instructions();
        try {
            Answer interpreted = interpreter.interpret(answer, prepared.format());
            ResultMerger.Merged merged = merger.merge(prepared.document().userFields(), interpreted,
                    instructions.targetField().orElse(null));
            merged.warn(prepared.document().id());
            return new DocumentOutcome.Completed(new CompletedDocument(prepared.document(),
                    instructions.originalIndex(), merged.document()), call, null, merged.dropped().size());
        } catch (AnswerException e) {
            return new DocumentOutcome.Failed(prepared.document(), instructions.attempts(),
                    describe(instructions, e.getMessage()), call);
        }
    }

    static DocumentOutcome failedCall(PreparedDocument prepared, LlmException e, boolean cutByDeadline) {
        Instructions instructions = prepared.instructions();
        String message = describe(instructions, e.getMessage());
        return switch (e.kind()) {
            case QUOTA_EXHAUSTED -> new DocumentOutcome.Abandoned(prepared.document(), instructions.provider()
                    + " has no quota left, so the pass stops and its documents stay queued: " + e.getMessage(), true);
            case AUTHENTICATION -> new DocumentOutcome.Abandoned(prepared.document(),
                    RunReport.CREDENTIALS_PREFIX + " by " + instructions.provider() + ": " + e.getMessage(), true);
            case INTERRUPTED, BUDGET_EXHAUSTED -> new DocumentOutcome.Abandoned(prepared.document(), message, false);
            case TIMEOUT, RATE_LIMITED -> cutByDeadline
                    ? new DocumentOutcome.Abandoned(prepared.document(), "cut short by the pass's deadline: " + message,
                    false)
                    : new DocumentOutcome.Failed(prepared.document(), instructions.attempts(), message, null);
            default -> new DocumentOutcome.Failed(prepared.document(), instructions.attempts(), message, null);
        };
    }

    private static String describe(Instructions instructions, String message) {
        return instructions.provider() + " model " + instructions.model() + ": " + message;
    }
}
