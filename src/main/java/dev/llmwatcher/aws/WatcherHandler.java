package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.llmwatcher.queue.Selection;

import java.util.Map;

/**
 * The scheduled Lambda function for new queue documents: one pass per invocation, ending a safety margin before the
 * invocation would time out. The input is generic JSON so both a classic EventBridge rule's {@code ScheduledEvent}
 * and an EventBridge Scheduler payload work; it may carry {@code watch_index} and {@code max_documents} overrides.
 * An input with an {@code enqueue} object starts a backfill instead ({@link EnqueueEvent}).
 */
public final class WatcherHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    private final LambdaRunner runner;
    /** Held so the SnapStart hook stays reachable for as long as the handler. */
    private final SnapStartPriming priming;

    /** Lambda's constructor: settings from the environment, built once per container. */
    public WatcherHandler() {
        this(HandlerEnvironment.system());
    }

    /** With a given environment, for tests and the {@code invoke} command. */
    public WatcherHandler(HandlerEnvironment environment) {
        this.runner = new LambdaRunner("watcher", environment);
        this.priming = SnapStartPriming.register("watcher", Selection.NEW);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        return runner.enqueue(input, context).orElseGet(() -> runner.invoke(Selection.NEW, input, context).toMap());
    }
}
