package dev.llmwatcher.testing;

/**
 * Static test credentials for the AWS SDK's default chain, through its first link, the {@code aws.accessKeyId} and
 * {@code aws.secretAccessKey} system properties: the code under test builds its own default chain, as in production,
 * and finds these. Restores the previous values on close; tests run one at a time in this JVM.
 */
public final class AwsTestCredentials implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "AKIDLLMWATCHERTEST";
    public static final String SECRET_ACCESS_KEY = "llm-watcher-test-secret-access-key";

    private static final String ACCESS_KEY_PROPERTY = "aws.accessKeyId";
    private static final String SECRET_KEY_PROPERTY = "aws.secretAccessKey";

    private final String previousAccessKey;
    private final String previousSecretKey;

    private AwsTestCredentials() {
        previousAccessKey = System.getProperty(ACCESS_KEY_PROPERTY);
        previousSecretKey = System.getProperty(SECRET_KEY_PROPERTY);
        System.setProperty(ACCESS_KEY_PROPERTY, ACCESS_KEY_ID);
        System.setProperty(SECRET_KEY_PROPERTY, SECRET_ACCESS_KEY);
    }

    public static AwsTestCredentials install() {
        return new AwsTestCredentials();
    }

    @Override
    public void close() {
        restore(ACCESS_KEY_PROPERTY, previousAccessKey);
        restore(SECRET_KEY_PROPERTY, previousSecretKey);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
