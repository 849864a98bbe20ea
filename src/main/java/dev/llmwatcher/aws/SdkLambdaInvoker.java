package dev.llmwatcher.aws;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.LambdaClientBuilder;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

import java.util.function.Supplier;

/**
 * {@link LambdaInvoker} over the AWS SDK's Lambda client, on the url-connection HTTP client like the other AWS
 * clients. The client is built on the first fan-out, not at start-up: most invocations never fan out, and under
 * SnapStart nothing is fetched before the snapshot. The SDK takes an endpoint from {@code AWS_ENDPOINT_URL_LAMBDA}
 * as well; tests hand in a builder pointed at a local stand-in.
 */
final class SdkLambdaInvoker implements LambdaInvoker, AutoCloseable {

    private final Supplier<LambdaClient> build;
    private LambdaClient client;

    SdkLambdaInvoker(Supplier<LambdaClient> build) {
        this.build = build;
    }

    /** The client as Lambda gets it: the function's region and role. */
    static LambdaClientBuilder forRegion(String region) {
        return clientBuilder(region).credentialsProvider(DefaultCredentialsProvider.builder().build());
    }

    /** The client before its credentials are chosen: tests point it at a local stand-in. */
    static LambdaClientBuilder clientBuilder(String region) {
        return LambdaClient.builder().region(Region.of(region)).httpClientBuilder(UrlConnectionHttpClient.builder());
    }

    @Override
    public void invokeAsync(String function, String payload) {
        InvokeResponse response = client().invoke(r -> r.functionName(function)
                .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String(payload)));
        if (response.statusCode() != 202) {
            throw new IllegalStateException("Lambda answered HTTP " + response.statusCode()
                    + " to an asynchronous invocation of " + function);
        }
    }

    private synchronized LambdaClient client() {
        if (client == null) {
            client = build.get();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
