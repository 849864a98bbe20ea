package dev.llmwatcher.aws;

/**
 * Starts another invocation of a Lambda function without waiting for it (Lambda's {@code Invoke} with invocation
 * type {@code Event}): how the scheduled function starts more drainers for a backlog ({@link FanOut}). {@link #NONE}
 * starts nothing, for a function without fan-out.
 */
interface LambdaInvoker {

    LambdaInvoker NONE = (function, payload) -> {
    };

    /**
     * Queues one asynchronous invocation of {@code function} (a name or ARN, with or without a qualifier) with
     * {@code payload} (JSON) as its input.
     *
     * @throws RuntimeException when Lambda refuses or cannot be reached; the caller logs it and goes on
     */
    void invokeAsync(String function, String payload);
}
