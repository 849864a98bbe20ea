package dev.llmwatcher.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.config.LlmAccess;
import dev.llmwatcher.config.Secret;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.json.Json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The credentials a Secrets Manager secret holds, as one JSON object of strings:
 * <pre>
 * {"elasticsearch_username": "...", "elasticsearch_password": "...", "openai_api_key": "sk-..."}
 * {"elasticsearch_api_key": "...", "openai_api_key": "sk-..."}
 * </pre>
 * Every key is optional, but unknown keys are refused (a misspelt key would otherwise be silently ignored).
 * Credentials given here replace the environment's; those not given keep the environment's.
 * {@code toString} shows which credentials are present, never their values.
 */
public record SecretCredentials(Optional<String> elasticsearchUsername, Secret elasticsearchPassword,
                                Secret elasticsearchApiKey, Secret openAiApiKey) {

    public static final String ELASTICSEARCH_USERNAME = "elasticsearch_username";
    public static final String ELASTICSEARCH_PASSWORD = "elasticsearch_password";
    public static final String ELASTICSEARCH_API_KEY = "elasticsearch_api_key";
    public static final String OPENAI_API_KEY = "openai_api_key";

    private static final Set<String> KEYS = Set.of(ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD,
            ELASTICSEARCH_API_KEY, OPENAI_API_KEY);
    private static final ObjectMapper JSON = Json.mapper();

    /**
     * Parses a secret string; {@code secretId} only names the secret in errors. Errors never quote the value: a
     * JSON syntax error gives its position only.
     */
    public static SecretCredentials parse(String secretString, String secretId) {
        JsonNode root;
        try {
            root = JSON.readTree(secretString);
        } catch (JsonProcessingException e) {
            throw new SecretException(prefix(secretId) + "is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "); " + shape());
        }
        if (root == null || !root.isObject()) {
            throw new SecretException(prefix(secretId) + "is JSON but not an object; " + shape());
        }
        List<String> problems = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                unknown.add(name);
            } else if (!root.get(name).isTextual() && !root.get(name).isNull()) {
                problems.add("'" + name + "' must be a string");
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("unknown keys " + unknown);
        }
        Optional<String> username = text(root, ELASTICSEARCH_USERNAME);
        Secret password = Secret.of(text(root, ELASTICSEARCH_PASSWORD).orElse(null));
        Secret apiKey = Secret.of(text(root, ELASTICSEARCH_API_KEY).orElse(null));
        if (username.isPresent() != password.isPresent()) {
            problems.add("'" + ELASTICSEARCH_USERNAME + "' and '" + ELASTICSEARCH_PASSWORD + "' go together");
        }
        if (username.isPresent() && apiKey.isPresent()) {
            problems.add("give '" + ELASTICSEARCH_API_KEY + "' or a username/password, not both");
        }
        if (!problems.isEmpty()) {
            throw new SecretException(prefix(secretId) + String.join("; ", problems) + "; " + shape());
        }
        return new SecretCredentials(username, password, apiKey,
                Secret.of(text(root, OPENAI_API_KEY).orElse(null)));
    }

    /** The configuration with these credentials in place of the environment's, where given. */
    public WatcherConfig applyTo(WatcherConfig config) {
        WatcherConfig result = config;
        ElasticsearchSettings es = config.elasticsearch();
        if (elasticsearchUsername.isPresent() || elasticsearchApiKey.isPresent()) {
            result = result.withElasticsearch(es.withCredentials(elasticsearchUsername,
                    present(elasticsearchPassword), present(elasticsearchApiKey)));
        }
        if (openAiApiKey.isPresent()) {
            LlmAccess llm = config.llm();
            result = result.withLlm(llm.withOpenAiApiKey(openAiApiKey));
        }
        return result;
    }

    private static Optional<String> present(Secret secret) {
        return secret.isPresent() ? Optional.of(secret.value()) : Optional.empty();
    }

    private static Optional<String> text(JsonNode root, String key) {
        JsonNode node = root.get(key);
        return node != null && node.isTextual() && !node.asText().isBlank()
                ? Optional.of(node.asText().strip()) : Optional.empty();
    }

    private static String prefix(String secretId) {
        return "secret '" + secretId + "' ";
    }

    private static String shape() {
        return "expected a JSON object with any of " + new TreeSet<>(KEYS) + " as strings";
    }

    @Override
    public String toString() {
        return "SecretCredentials[elasticsearch=" + elasticsearchUsername.map(u -> "basic(" + u + ")")
                .orElse(elasticsearchApiKey.isPresent() ? "api-key" : "none")
                + ", openAiApiKey=" + openAiApiKey + "]";
    }
}
