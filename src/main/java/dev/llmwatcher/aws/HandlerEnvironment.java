package dev.llmwatcher.aws;

import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a handler takes from outside: the environment it reads settings from, the clock, the Secrets Manager
 * client (empty = the default one for {@code AWS_REGION}, built when a secret id is set), where EMF lines go, and the
 * Lambda client of the fan-out (empty = the default one, built on the first fan-out).
 * Lambda uses {@link #system()}; tests and the {@code invoke} command hand in their own.
 */
public record HandlerEnvironment(Map<String, String> variables, Clock clock,
                                 Optional<SecretsManagerClient> secretsClient, PrintStream metrics,
                                 Optional<LambdaClient> lambdaClient) {

    public HandlerEnvironment(Map<String, String> variables, Clock clock,
                              Optional<SecretsManagerClient> secretsClient, PrintStream metrics) {
        this(variables, clock, secretsClient, metrics, Optional.empty());
    }

    public static HandlerEnvironment system() {
        return new HandlerEnvironment(System.getenv(), Clock.systemUTC(), Optional.empty(), System.out);
    }
}
