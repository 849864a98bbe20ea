package dev.llmwatcher.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigReaderTest {

    @Test
    void appliesTheOriginalDefaults() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://localhost:9200/"));

        assertThat(config.elasticsearch().url().toString()).isEqualTo("http://localhost:9200");
        assertThat(config.watchIndex()).isEqualTo("llm-queue");
        assertThat(config.batchSize()).isEqualTo(10);
        assertThat(config.concurrency()).isEqualTo(10);
        assertThat(config.watchInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.retryErrors()).isFalse();
        assertThat(config.sortField()).isEmpty();
        assertThat(config.llm().ollamaUrl()).contains(URI.create("http://localhost:11434"));
        assertThat(config.llm().openAiBaseUrl().toString()).isEqualTo("https://api.openai.com/v1");
        assertThat(config.maxAttempts()).isEqualTo(5);
    }

    @Test
    void anOllamaUrlSetEmptyMeansNoOllamaWhileAnAbsentOneMeansTheLocalDefault() {
        WatcherConfig none = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200", "OLLAMA_API_URL", " "));
        WatcherConfig absent = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));

        assertThat(none.llm().ollamaUrl()).isEmpty();
        assertThat(absent.llm().ollamaUrl()).contains(URI.create("http://localhost:11434"));
    }

    @Test
    void concurrencyDefaultsToTheBatchSize() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_BATCH_SIZE", "25"));

        assertThat(config.concurrency()).isEqualTo(25);
    }

    @Test
    void secretsNeverShowInTheRecordsText() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "ELASTICSEARCH_USERNAME", "elastic", "ELASTICSEARCH_PASSWORD", "hunter2-secret",
                "OPENAI_API_KEY", "sk-very-secret"));

        assertThat(config.toString()).doesNotContain("hunter2-secret").doesNotContain("sk-very-secret");
    }

    @Test
    void aCaCertificateFileThatIsMissingOrHoldsNoCertificateIsAProblemNamingTheOption(@TempDir Path dir)
            throws IOException {
        Path missing = dir.resolve("missing.pem");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        Path text = Files.writeString(dir.resolve("text.pem"), "not a certificate\n");
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n");

        for (Path pem : List.of(missing, empty, text, key)) {
            assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "https://es:9200",
                    "ELASTICSEARCH_CA_CERT", pem.toString())))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("--elasticsearch-ca-cert (ELASTICSEARCH_CA_CERT): ")
                    .hasMessageContaining(pem.toString())
                    .hasMessageContaining(pem.equals(missing) ? "does not exist" : "no certificate found")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void listsEveryProblemNamingFlagAndVariable() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "ftp://es",
                "LLM_WATCHER_CONCURRENCY", "0", "ELASTICSEARCH_API_KEY", "k", "ELASTICSEARCH_USERNAME", "u",
                "LLM_WATCHER_RETRY_ERRORS", "maybe")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(5))
                .hasMessageContaining("--elasticsearch (ELASTICSEARCH_URL): expected an http:// or https:// URL")
                .hasMessageContaining("--concurrency (LLM_WATCHER_CONCURRENCY): must be between 1 and 4096, got 0")
                .hasMessageContaining("both an API key and a username")
                .hasMessageContaining("needs both")
                .hasMessageContaining("--retry-errors (LLM_WATCHER_RETRY_ERRORS): expected true or false");
    }

    @Test
    void theBatchModeIsOffByDefaultAndItsSettingsAreValidated() {
        WatcherConfig defaults = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));
        WatcherConfig auto = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_BATCH_MODE", "Auto", "LLM_WATCHER_BATCH_MIN_DOCUMENTS", "500",
                "LLM_WATCHER_BATCH_MAX_REQUESTS", "1000", "LLM_WATCHER_BATCH_MAX_MEGABYTES", "2"));

        assertThat(defaults.batch().mode()).isEqualTo(BatchSettings.Mode.OFF);
        assertThat(defaults.batch().minDocuments()).isEqualTo(1000);
        assertThat(defaults.batch().maxRequests()).isEqualTo(50_000);
        assertThat(defaults.batch().maxBytes()).isEqualTo(200L * 1024 * 1024);
        assertThat(auto.batch().mode()).isEqualTo(BatchSettings.Mode.AUTO);
        assertThat(auto.batch().minDocuments()).isEqualTo(500);
        assertThat(auto.batch().maxRequests()).isEqualTo(1000);
        assertThat(auto.batch().maxBytes()).isEqualTo(2L * 1024 * 1024);
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_BATCH_MODE", "sometimes", "LLM_WATCHER_BATCH_MAX_REQUESTS", "60000")))
                .hasMessageContaining("--batch-mode (LLM_WATCHER_BATCH_MODE): expected off, auto or always, got "
                        + "'sometimes'")
                .hasMessageContaining("--batch-max-requests (LLM_WATCHER_BATCH_MAX_REQUESTS): must be between 1 and "
                        + "50000, got 60000");
    }

    @Test
    void noDailyTokenBudgetMeansNoLimitAndOneIsReadPerModelWithAWildcard() {
        WatcherConfig none = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));
        WatcherConfig budgeted = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_DAILY_TOKEN_BUDGET", " gpt-4o-mini=2M, deepseek-r1:14b=500k,meta/llama=2_000_000,*=0",
                "LLM_WATCHER_TOKEN_BUDGET_INDEX", "team-a-budget"));

        assertThat(none.budget().enabled()).isFalse();
        assertThat(none.budget().limits().of("gpt-4o-mini")).isEmpty();
        assertThat(none.budget().index()).isEqualTo("llm-watcher-token-budget");
        assertThat(budgeted.budget().enabled()).isTrue();
        assertThat(budgeted.budget().limits().of("gpt-4o-mini")).hasValue(2_000_000);
        assertThat(budgeted.budget().limits().of("deepseek-r1:14b")).hasValue(500_000);
        assertThat(budgeted.budget().limits().of("meta/llama")).hasValue(2_000_000);
        assertThat(budgeted.budget().limits().of("any-other")).hasValue(0);
        assertThat(budgeted.budget().index()).isEqualTo("team-a-budget");
    }

    @Test
    void aDailyTokenBudgetThatCannotBeReadSaysWhichEntryAndHow() {
        for (Map.Entry<String, String> bad : Map.of(
                "gpt-4o-mini", "'gpt-4o-mini' is not MODEL=TOKENS",
                "gpt-4o-mini=lots", "the budget of 'gpt-4o-mini' is 'lots', not a whole number of tokens",
                "gpt-4o-mini=-5", "the budget of 'gpt-4o-mini' is '-5'",
                "a=1,a=2", "model 'a' is given twice",
                "*=1,*=2", "'*' is given twice",
                "a=1,,b=2", "'' is not MODEL=TOKENS").entrySet()) {
            assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                    "LLM_WATCHER_DAILY_TOKEN_BUDGET", bad.getKey())))
                    .as(bad.getKey())
                    .hasMessageContaining("--daily-token-budget (LLM_WATCHER_DAILY_TOKEN_BUDGET): " + bad.getValue());
        }
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_TOKEN_BUDGET_INDEX", "Budget")))
                .hasMessageContaining("--token-budget-index (LLM_WATCHER_TOKEN_BUDGET_INDEX): 'Budget' is not a valid "
                        + "index name");
    }

    @Test
    void missingElasticsearchUrlSaysHowToGiveIt() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of()))
                .hasMessageStartingWith("no Elasticsearch URL: pass --elasticsearch or set ELASTICSEARCH_URL")
                .hasMessageContaining("bin/llm-watcher demo");
    }

    @Test
    void credentialsInTheUrlAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://elastic:pw123@es:9200")))
                .hasMessageContaining("not in the URL")
                .hasMessageNotContaining("pw123");
    }

    @Test
    void severalCommaSeparatedUrlsAreNodesOfOneCluster() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL",
                "https://es1.example:9200, https://es2.example:9200/"));

        assertThat(config.elasticsearch().urls()).extracting(Object::toString)
                .containsExactly("https://es1.example:9200", "https://es2.example:9200");
    }

    @Test
    void aListOfUrlsWithAnEmptyEntryAMixOfSchemesOrAnUnusableUrlNamesEachProblem() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://a:9200,,https://b:9200")))
                .hasMessageContaining("--elasticsearch (ELASTICSEARCH_URL): an empty entry")
                .hasMessageContaining("mixes http:// and https://");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://a:9200,b:9200")))
                .hasMessageContaining("expected an http:// or https:// URL with a host, got 'b:9200'");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://a:9200,http://a:9200")))
                .hasMessageContaining("http://a:9200 is given twice");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://a:9200/es,http://b:9200")))
                .hasMessageContaining("different paths");
    }

    @Test
    void proxiesComeFromTheUsualVariablesUpperCaseFirst() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "HTTPS_PROXY", "http://proxy.corp:3128", "https_proxy", "http://ignored:1",
                "http_proxy", "plain.corp:8080", "no_proxy", " localhost, .internal.corp ,,ollama:11434"));

        ProxySettings proxies = config.llm().proxies();
        assertThat(proxies.https()).contains(URI.create("http://proxy.corp:3128"));
        assertThat(proxies.http()).as("no scheme means an HTTP proxy").contains(URI.create("http://plain.corp:8080"));
        assertThat(proxies.noProxy()).containsExactly("localhost", ".internal.corp", "ollama:11434");
    }

    @Test
    void noProxyVariablesMeanNoConfiguredProxy() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));

        assertThat(config.llm().proxies()).isEqualTo(ProxySettings.NONE);
        assertThat(config.llm().proxies().http()).isEqualTo(Optional.empty());
    }

    @Test
    void theAnswerCacheIsOnForSevenDaysByDefaultAndItsSettingsAreChecked() {
        WatcherConfig defaults = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));
        WatcherConfig off = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_ANSWER_CACHE", "false", "LLM_WATCHER_ANSWER_CACHE_MAX_AGE", "3600",
                "LLM_WATCHER_ANSWER_CACHE_INDEX", "my-answers"));

        assertThat(defaults.answerCache()).isEqualTo(new AnswerCacheSettings(true, Duration.ofDays(7),
                "llm-watcher-answer-cache"));
        assertThat(defaults.answerCache().activeIndex()).contains("llm-watcher-answer-cache");
        assertThat(off.answerCache()).isEqualTo(new AnswerCacheSettings(false, Duration.ofHours(1), "my-answers"));
        assertThat(off.answerCache().activeIndex()).isEmpty();
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_ANSWER_CACHE", "sometimes", "LLM_WATCHER_ANSWER_CACHE_MAX_AGE", "0",
                "LLM_WATCHER_ANSWER_CACHE_INDEX", "Answers")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(3))
                .hasMessageContaining("--answer-cache (LLM_WATCHER_ANSWER_CACHE): expected true or false")
                .hasMessageContaining("--answer-cache-max-age (LLM_WATCHER_ANSWER_CACHE_MAX_AGE): must be between 1")
                .hasMessageContaining("--answer-cache-index (LLM_WATCHER_ANSWER_CACHE_INDEX): 'Answers' is not a "
                        + "valid");
    }

    @Test
    void aProxyUrlWithoutPortGetsPort80() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "HTTP_PROXY", "http://proxy.corp/"));

        assertThat(config.llm().proxies().http()).contains(URI.create("http://proxy.corp:80"));
    }

    @Test
    void malformedProxyUrlsAreProblemsNamingTheVariableAndNeverTheirCredentials() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "HTTPS_PROXY", "socks5://proxy.corp:1080", "HTTP_PROXY", "http://user:pa55word@proxy.corp:3128",
                "https_proxy", "ignored", "NO_PROXY", "x")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(2))
                .hasMessageContaining("HTTPS_PROXY: expected an http:// proxy URL such as http://proxy.example:3128")
                .hasMessageContaining("got 'socks5://proxy.corp:1080'")
                .hasMessageContaining("HTTP_PROXY: proxies that need credentials are not supported")
                .hasMessageNotContaining("pa55word");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "HTTP_PROXY", "http://proxy corp:3128")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("HTTP_PROXY: not a valid proxy URL");
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "HTTP_PROXY", "http://:3128")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("HTTP_PROXY: expected a proxy URL with a host and port");
    }

    @Test
    void bedrockTakesItsRegionFromTheSettingBeforeAwsRegion() {
        WatcherConfig config = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_BEDROCK_REGION", "us-west-2", "AWS_REGION", "eu-central-1"));

        assertThat(config.llm().bedrock().region()).contains("us-west-2");
    }

    @Test
    void bedrockFallsBackToAwsRegionAndThenToTheSdksOwnChain() {
        WatcherConfig lambda = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "AWS_REGION", "eu-central-1"));
        WatcherConfig laptop = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200"));

        assertThat(lambda.llm().bedrock().region()).contains("eu-central-1");
        assertThat(laptop.llm().bedrock()).isEqualTo(BedrockAccess.DEFAULT);
    }

    @Test
    void aBedrockRegionThatIsNoRegionNameIsAProblemNamingTheFlag() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_BEDROCK_REGION", "Frankfurt")))
                .hasMessageContaining("--bedrock-region (LLM_WATCHER_BEDROCK_REGION): 'Frankfurt' is not an AWS "
                        + "region name");
    }

    @Test
    void bedrocksEndpointFollowsTheSdksVariablesMostSpecificFirst() {
        WatcherConfig both = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com",
                "AWS_ENDPOINT_URL", "http://localhost:4566"));
        WatcherConfig general = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "AWS_ENDPOINT_URL", "http://localhost:4566"));
        WatcherConfig ignored = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));

        assertThat(both.llm().bedrock().endpoint()).map(Object::toString)
                .contains("https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com");
        assertThat(general.llm().bedrock().endpoint()).map(Object::toString).contains("http://localhost:4566");
        assertThat(ignored.llm().bedrock().endpoint()).isEmpty();
    }

    @Test
    void aBedrockEndpointThatIsNoUrlIsAProblemNamingTheVariable() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "bedrock.local:8080")))
                .hasMessageContaining("AWS_ENDPOINT_URL_BEDROCK_RUNTIME: expected an http:// or https:// URL");
    }

    @Test
    void answersAreBoundedAndFilteredAndMayGoAnywhereByDefault() {
        AnswerPolicy policy = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200")).answerPolicy();

        assertThat(policy).isEqualTo(AnswerPolicy.DEFAULT);
        assertThat(policy.undeclaredFields()).isEqualTo(AnswerPolicy.UndeclaredFields.DROP);
        assertThat(policy.maxAnswerBytes()).isEqualTo(65_536);
        assertThat(policy.maxAnswerFields()).isEqualTo(1_000);
        assertThat(policy.allowedTargetIndices().matchesAny()).isTrue();
    }

    @Test
    void readsTheAnswerPolicySettings() {
        AnswerPolicy policy = ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_UNDECLARED_FIELDS", " FAIL ", "LLM_WATCHER_MAX_ANSWER_BYTES", "2048",
                "LLM_WATCHER_MAX_ANSWER_FIELDS", "20", "LLM_WATCHER_ALLOWED_TARGET_INDICES", "reviews-*,tickets"))
                .answerPolicy();

        assertThat(policy.failsOnUndeclaredFields()).isTrue();
        assertThat(policy.maxAnswerBytes()).isEqualTo(2048);
        assertThat(policy.maxAnswerFields()).isEqualTo(20);
        assertThat(policy.allowedTargetIndices().patterns()).containsExactly("reviews-*", "tickets");
    }

    @Test
    void badAnswerPolicySettingsAreAllReportedNamingFlagAndVariable() {
        assertThatThrownBy(() -> ConfigReader.read(Map.of("ELASTICSEARCH_URL", "http://es:9200",
                "LLM_WATCHER_UNDECLARED_FIELDS", "ignore", "LLM_WATCHER_MAX_ANSWER_BYTES", "0",
                "LLM_WATCHER_MAX_ANSWER_FIELDS", "lots", "LLM_WATCHER_ALLOWED_TARGET_INDICES", "reviews-*,-secrets")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--undeclared-fields (LLM_WATCHER_UNDECLARED_FIELDS): expected drop or fail, "
                        + "got 'ignore'")
                .hasMessageContaining("--max-answer-bytes (LLM_WATCHER_MAX_ANSWER_BYTES): must be between 1 and")
                .hasMessageContaining("--max-answer-fields (LLM_WATCHER_MAX_ANSWER_FIELDS): expected a whole number")
                .hasMessageContaining("--allowed-target-indices (LLM_WATCHER_ALLOWED_TARGET_INDICES): '-secrets': "
                        + "exclusions are not supported");
    }
}
