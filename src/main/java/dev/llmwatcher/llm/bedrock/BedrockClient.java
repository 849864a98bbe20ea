package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.LlmRequest;
import java.time.Duration;

/**
 * Amazon Bedrock's Converse API through the AWS SDK (request signing, endpoint resolution and the wire protocol are
 * the SDK's). The model is a Bedrock model id or an inference profile id or ARN. A structured answer is the input of
 * the tool {@link ConverseRequests} forces; free text is the answer's text blocks. Either then goes through the same
 * interpretation and validation as any provider's text.
 *
 * <p>Only a shell: the call itself is {@link ConverseCall}, which names the SDK's types, so that merely building the
 * providers (every run does) loads none of them.
 */
public final class BedrockClient implements LlmClient {

    private final BedrockRuntime runtime;

    public BedrockClient(BedrockRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public LlmAnswer complete(LlmRequest request) throws LlmException {
        long started = System.nanoTime();
        if (request.timeout() == null || !request.timeout().isPositive()) {
            throw new LlmException(LlmException.Kind.TIMEOUT, runtime.label() + ": no time left for the call");
        }
        LlmAnswer answer = ConverseCall.send(runtime, request);
        return new LlmAnswer(answer.text(), answer.usage(), answer.finishReason(),
                Duration.ofNanos(System.nanoTime() - started));
    }
}
