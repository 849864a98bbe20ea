package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.llmwatcher.queue.Selection;

import java.util.Map;

/**
 * The scheduled Lambda function for failed documents (the original's {@code --retry-errors}), usually run less
 * often than {@link WatcherHandler}. Only documents whose backoff has passed are taken: the wait doubles with each
 * failed attempt and a document is parked after the attempt limit, so a broken document does not cost an LLM call
 * every few minutes for ever.
 */
public final class RetryHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    private final LambdaRunner runner;
    /** Held so the SnapStart hook stays reachable for as long as the handler. */
    private final SnapStartPriming priming;

    /** Lambda's constructor: settings from the environment, built once per container. */
    public RetryHandler() {
        this(HandlerEnvironment.system());
    }

    /** With a given environment, for tests and the {@code invoke} command. */
    public RetryHandler(HandlerEnvironment environment) {
        this.runner = new LambdaRunner("retry", environment);
        this.priming = SnapStartPriming.register("retry", Selection.RETRY);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        return runner.invoke(Selection.RETRY, input, context).toMap();
    }
}
