package dev.llmwatcher.config;

import java.net.URI;
import java.util.Optional;

/**
 * Where Amazon Bedrock is. Credentials are not here: they come from the AWS SDK's default chain (the Lambda role, a
 * profile, the environment), never from the secret or the settings.
 *
 * @param region   the region to call; empty = the SDK's own region chain (the AWS profile), read on first use
 * @param endpoint an endpoint override ({@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME} or {@code AWS_ENDPOINT_URL}), e.g.
 *                 a VPC endpoint's DNS name or a local test server; empty = the region's public endpoint
 */
public record BedrockAccess(Optional<String> region, Optional<URI> endpoint) {

    public static final BedrockAccess DEFAULT = new BedrockAccess(Optional.empty(), Optional.empty());
}
