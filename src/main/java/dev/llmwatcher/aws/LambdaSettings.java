package dev.llmwatcher.aws;

import dev.llmwatcher.config.ConfigException;
import dev.llmwatcher.config.Setting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings only the Lambda handlers read, from the same environment map as {@link dev.llmwatcher.config.Setting}
 * says: where the credentials secret is, how long a fetched secret is trusted, and how much of an invocation's time
 * is kept free. The region is Lambda's own {@code AWS_REGION}.
 *
 * @param secretId     Secrets Manager secret (ARN or name); empty = credentials come from the environment
 * @param secretMaxAge a cached secret older than this is read again before a run
 * @param safetyMargin kept free of an invocation's remaining time
 * @param region       {@code AWS_REGION}, needed when there is a secret or a fan-out
 * @param maxDrainers  the most drainers a scheduled invocation runs on a backlog, itself included ({@link FanOut});
 *                     1 = no fan-out
 */
public record LambdaSettings(Optional<String> secretId, Duration secretMaxAge, Duration safetyMargin,
                             Optional<String> region, int maxDrainers) {

    /** The most {@link #maxDrainers} accepted: Lambda's default concurrency quota per region. */
    public static final int MAX_DRAINERS_LIMIT = 1000;

    public LambdaSettings(Optional<String> secretId, Duration secretMaxAge, Duration safetyMargin,
                          Optional<String> region) {
        this(secretId, secretMaxAge, safetyMargin, region, 1);
    }

    public static final String REGION_VARIABLE = "AWS_REGION";

    /** Reads and validates; throws {@link ConfigException} listing every problem. */
    public static LambdaSettings read(Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        Optional<String> secretId = value(environment, Setting.SECRET_ID.variable());
        Duration maxAge = seconds(environment, Setting.SECRET_MAX_AGE, 0, 86_400, problems);
        Duration margin = seconds(environment, Setting.SAFETY_MARGIN, 0, 900, problems);
        Optional<String> region = value(environment, REGION_VARIABLE);
        if (secretId.isPresent() && region.isEmpty()) {
            problems.add(Setting.SECRET_ID.variable() + " is set but " + REGION_VARIABLE
                    + " is not: set the region the secret lives in (Lambda sets it itself)");
        }
        int maxDrainers = maxDrainers(environment, problems);
        if (maxDrainers > 1 && region.isEmpty()) {
            problems.add(Setting.MAX_DRAINERS.variable() + " is above 1 but " + REGION_VARIABLE
                    + " is not set: set the function's region (Lambda sets it itself)");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LambdaSettings(secretId, maxAge, margin, region, maxDrainers);
    }

    private static Optional<String> value(Map<String, String> environment, String variable) {
        return Optional.ofNullable(environment.get(variable)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static int maxDrainers(Map<String, String> environment, List<String> problems) {
        Setting setting = Setting.MAX_DRAINERS;
        String value = value(environment, setting.variable()).or(setting::defaultValue).orElseThrow();
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 1 && parsed <= MAX_DRAINERS_LIMIT) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(setting.flag() + " (" + setting.variable() + "): expected a whole number from 1 to "
                + MAX_DRAINERS_LIMIT + ", got '" + value + "'");
        return 1;
    }

    private static Duration seconds(Map<String, String> environment, Setting setting, int min, int max,
                                    List<String> problems) {
        String value = value(environment, setting.variable()).or(setting::defaultValue).orElseThrow();
        try {
            double parsed = Double.parseDouble(value);
            if (Double.isNaN(parsed) || parsed < min || parsed > max) {
                problems.add(setting.flag() + " (" + setting.variable() + "): must be between " + min + " and " + max
                        + " seconds, got " + value);
                return Duration.ofSeconds(min);
            }
            return Duration.ofMillis(Math.round(parsed * 1000));
        } catch (NumberFormatException e) {
            problems.add(setting.flag() + " (" + setting.variable() + "): expected a number of seconds, got '"
                    + value + "'");
            return Duration.ofSeconds(min);
        }
    }
}
