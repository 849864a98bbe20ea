package dev.llmwatcher.aws;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The credentials secret, read on first use (never during init: with SnapStart, init runs once for many
 * containers, and a secret read then would be frozen into the snapshot), reused while younger than a maximum age,
 * and read again on demand when Elasticsearch or the LLM refuses the credentials (the secret was rotated).
 */
public final class SecretSource {

    private static final Logger LOG = LoggerFactory.getLogger(SecretSource.class);

    private final SecretsManagerClient client;
    private final String secretId;
    private final Duration maxAge;
    private final Clock clock;
    private Fetched cached;

    private record Fetched(SecretCredentials credentials, String versionId, Instant at) {
    }

    public SecretSource(SecretsManagerClient client, String secretId, Duration maxAge, Clock clock) {
        this.client = client;
        this.secretId = secretId;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * The client Lambda uses: the lightweight URL-connection HTTP client, the region Lambda runs in, and the
     * default credentials chain (which is how a SnapStart function gets its role's credentials). Nothing is sent
     * until the first read.
     */
    public static SecretsManagerClient defaultClient(String region) {
        return clientBuilder(region).credentialsProvider(DefaultCredentialsProvider.builder().build()).build();
    }

    /**
     * The client as Lambda gets it, before its credentials are chosen: tests point it at a local Secrets Manager
     * ({@code endpointOverride}) with test credentials. Outside tests the SDK also takes an endpoint from
     * {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} (a VPC endpoint's DNS name needs none: it answers the public name).
     */
    public static SecretsManagerClientBuilder clientBuilder(String region) {
        return SecretsManagerClient.builder().region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder());
    }

    public String secretId() {
        return secretId;
    }

    /** The cached credentials, read first when there are none yet or they are older than the maximum age. */
    public synchronized SecretCredentials current() {
        if (cached == null || !Duration.between(cached.at(), clock.instant()).minus(maxAge).isNegative()) {
            cached = fetch();
        }
        return cached.credentials();
    }

    /** Reads the secret again now, whatever its age: the caller saw its credentials refused. */
    public synchronized SecretCredentials refresh() {
        String before = cached == null ? null : cached.versionId();
        cached = fetch();
        if (before != null && before.equals(cached.versionId())) {
            LOG.info("Secret {} re-read after refused credentials; it has not changed (version {})", secretId,
                    before);
        }
        return cached.credentials();
    }

    private Fetched fetch() {
        GetSecretValueResponse response;
        try {
            response = client.getSecretValue(r -> r.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw new SecretException("secret '" + secretId + "' was not found in Secrets Manager: check "
                    + "LLM_WATCHER_SECRET_ID and the region");
        } catch (SecretsManagerException e) {
            String code = e.awsErrorDetails() == null ? "error" : e.awsErrorDetails().errorCode();
            throw new SecretException("Secrets Manager refused to read secret '" + secretId + "': " + code
                    + " (HTTP " + e.statusCode() + "); check the function's secretsmanager:GetSecretValue permission",
                    e);
        } catch (SdkClientException e) {
            throw new SecretException("could not reach Secrets Manager to read secret '" + secretId + "': "
                    + e.getMessage(), e);
        }
        if (response.secretString() == null) {
            throw new SecretException("secret '" + secretId + "' holds binary data; store the credentials as a "
                    + "JSON string");
        }
        SecretCredentials credentials = SecretCredentials.parse(response.secretString(), secretId);
        LOG.info("Read secret {} (version {}): {}", secretId, response.versionId(), credentials);
        return new Fetched(credentials, response.versionId(), clock.instant());
    }
}
