package dev.llmwatcher.llm.bedrock;

import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.retry.RetryingLlmClient;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The AWS SDK's Bedrock Runtime client, built on first use: a process whose queue holds no Bedrock document never
 * loads the SDK's Bedrock classes, resolves credentials or reads a profile, so start-up and an empty pass cost what
 * they did before Bedrock was a provider. Built once and shared by every call. Thread-safe.
 *
 * <p>The client uses the product's one SDK HTTP client kind (URL connection; the Apache and Netty ones are not
 * packaged), the default credentials chain, and no SDK retries: {@link RetryingLlmClient} retries every provider
 * alike, and SDK retries underneath would multiply its attempts and hide throttling from its rate limiting.
 */
public final class BedrockRuntime implements AutoCloseable {

    /**
     * Where and how to reach Bedrock.
     *
     * @param region         empty = the SDK's region chain (the AWS profile)
     * @param endpoint       empty = the region's public endpoint
     * @param connectTimeout for establishing a connection
     * @param readTimeout    the longest wait for an answer on the socket; the call's own timeout is usually shorter
     * @param credentials    where credentials come from; empty = the SDK's default chain, as in production
     */
    public record Settings(Optional<String> region, Optional<URI> endpoint, Duration connectTimeout,
                           Duration readTimeout, Optional<Supplier<AwsCredentialsProvider>> credentials) {

        public Settings(Optional<String> region, Optional<URI> endpoint, Duration connectTimeout,
                        Duration readTimeout) {
            this(region, endpoint, connectTimeout, readTimeout, Optional.empty());
        }
    }

    private final Settings settings;
    private volatile Built built;

    /** The client, or why it could not be built (kept: building again would fail the same way, slowly). */
    private record Built(BedrockRuntimeClient client, LlmException failure) {
    }

    public BedrockRuntime(Settings settings) {
        this.settings = settings;
    }

    /** For messages: {@code Amazon Bedrock (us-east-1)}, or without the region when the SDK is to find it. */
    String label() {
        return "Amazon Bedrock" + settings.region().map(r -> " (" + r + ")").orElse("");
    }

    /**
     * Where calls go, as configured: the region (or {@code default} when the SDK is to find it) and the endpoint
     * override if any. Part of the answer cache's key.
     */
    public String endpointName() {
        return "bedrock:" + settings.region().orElse("default") + settings.endpoint().map(e -> "@" + e).orElse("");
    }

    /** The shared client, built on the first call. */
    BedrockRuntimeClient client() throws LlmException {
        Built current = built;
        if (current == null) {
            synchronized (this) {
                current = built;
                if (current == null) {
                    current = Factory.build(settings);
                    built = current;
                }
            }
        }
        if (current.failure() != null) {
            throw current.failure();
        }
        return current.client();
    }

    /** Closes the client if it was built. */
    @Override
    public synchronized void close() {
        if (built != null && built.client() != null) {
            built.client().close();
        }
        built = null;
    }

    /** Builds the SDK client; a class of its own so that the SDK's types load only when it is first needed. */
    private static final class Factory {

        static Built build(Settings settings) {
            BedrockRuntimeClientBuilder builder = BedrockRuntimeClient.builder()
                    .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(settings.connectTimeout())
                            .socketTimeout(settings.readTimeout()).build())
                    .credentialsProvider(settings.credentials().map(Supplier::get)
                            .orElseGet(() -> DefaultCredentialsProvider.builder().build()))
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
            settings.region().map(Region::of).ifPresent(builder::region);
            settings.endpoint().ifPresent(builder::endpointOverride);
            try {
                return new Built(builder.build(), null);
            } catch (SdkClientException e) {
                return new Built(null, new LlmException(LlmException.Kind.BAD_REQUEST, "cannot set up the Amazon "
                        + "Bedrock client: " + e.getMessage() + " (set the region with --bedrock-region, "
                        + "LLM_WATCHER_BEDROCK_REGION or AWS_REGION)", 0, null, e));
            }
        }
    }
}
