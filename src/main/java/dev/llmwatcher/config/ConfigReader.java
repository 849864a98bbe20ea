package dev.llmwatcher.config;

import dev.llmwatcher.budget.DailyLimits;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Builds a {@link WatcherConfig} from a map of environment variable names to values (the command line turns its
 * flags into the same names first). Every problem is collected, so the error lists them all, each naming both the
 * flag and the variable.
 */
public final class ConfigReader {

    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]*");
    private static final Pattern FINGERPRINT = Pattern.compile("(?i)[0-9a-f]{2}(:?[0-9a-f]{2}){31}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}");
    /** The AWS SDK's own variables, read here from the same map so that tests and the SDK agree. */
    private static final String AWS_REGION = "AWS_REGION";
    private static final List<String> BEDROCK_ENDPOINT_VARIABLES =
            List.of("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL");
    private static final String IGNORE_ENDPOINTS = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(Map<String, String> values) {
        this.values = values;
    }

    /** Reads and validates; throws {@link ConfigException} listing every problem. */
    public static WatcherConfig read(Map<String, String> values) {
        return new ConfigReader(values).read();
    }

    private WatcherConfig read() {
        ElasticsearchSettings elasticsearch = elasticsearch();
        LlmAccess llm = new LlmAccess(urlUnlessSetEmpty(Setting.OLLAMA_API_URL), url(Setting.OPENAI_BASE_URL),
                Secret.of(raw(Setting.OPENAI_API_KEY).orElse(null)), seconds(Setting.LLM_TIMEOUT, 1, 3600),
                new ProxyVariables(values, problems).read(), bedrock());
        int batchSize = integer(Setting.BATCH_SIZE, 1, 10_000);
        int concurrency = raw(Setting.CONCURRENCY).isPresent() ? integer(Setting.CONCURRENCY, 1, 4096) : batchSize;
        WatcherConfig config = new WatcherConfig(elasticsearch, llm, indexName(Setting.WATCH_INDEX), batchSize,
                concurrency, seconds(Setting.WATCH_INTERVAL, 0, 86_400), bool(Setting.RETRY_ERRORS),
                raw(Setting.SORT_FIELD), bool(Setting.DEBUG), integer(Setting.MAX_ATTEMPTS, 1, 1000),
                seconds(Setting.RETRY_BACKOFF, 0, 86_400), integer(Setting.MAX_PROMPT_CHARS, 1, 10_000_000),
                seconds(Setting.PASS_DURATION, 10, 86_400), seconds(Setting.SHUTDOWN_GRACE, 0, 3600),
                new AnswerCacheSettings(bool(Setting.ANSWER_CACHE), seconds(Setting.ANSWER_CACHE_MAX_AGE, 1,
                        315_360_000), indexName(Setting.ANSWER_CACHE_INDEX)), batch(), answerPolicy(), budget());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private BatchSettings batch() {
        String mode = valueOrDefault(Setting.BATCH_MODE);
        BatchSettings.Mode parsed = BatchSettings.Mode.OFF;
        try {
            parsed = BatchSettings.Mode.parse(mode);
        } catch (IllegalArgumentException e) {
            problems.add(describe(Setting.BATCH_MODE) + ": expected off, auto or always, got '" + mode + "'");
        }
        return BatchSettings.defaults(parsed, integer(Setting.BATCH_MIN_DOCUMENTS, 1, 50_000_000))
                .withLimits(integer(Setting.BATCH_MAX_REQUESTS, 1, 50_000),
                        integer(Setting.BATCH_MAX_MEGABYTES, 1, 200) * 1024L * 1024);
    }

    /** What answers may change and where they may go. */
    private AnswerPolicy answerPolicy() {
        String mode = valueOrDefault(Setting.UNDECLARED_FIELDS);
        AnswerPolicy.UndeclaredFields undeclared = AnswerPolicy.UndeclaredFields.DROP;
        try {
            undeclared = AnswerPolicy.UndeclaredFields.parse(mode);
        } catch (IllegalArgumentException e) {
            problems.add(describe(Setting.UNDECLARED_FIELDS) + ": expected drop or fail, got '" + mode + "'");
        }
        IndexPatterns allowed = IndexPatterns.ANY;
        try {
            allowed = IndexPatterns.parse(valueOrDefault(Setting.ALLOWED_TARGET_INDICES));
        } catch (IllegalArgumentException e) {
            problems.add(describe(Setting.ALLOWED_TARGET_INDICES) + ": " + e.getMessage());
        }
        return new AnswerPolicy(undeclared, integer(Setting.MAX_ANSWER_BYTES, 1, 100 * 1024 * 1024),
                integer(Setting.MAX_ANSWER_FIELDS, 1, 100_000), allowed);
    }

    private BudgetSettings budget() {
        DailyLimits limits = DailyLimits.NONE;
        try {
            limits = DailyLimits.parse(raw(Setting.DAILY_TOKEN_BUDGET).orElse(null));
        } catch (IllegalArgumentException e) {
            problems.add(describe(Setting.DAILY_TOKEN_BUDGET) + ": " + e.getMessage());
        }
        return new BudgetSettings(limits, indexName(Setting.TOKEN_BUDGET_INDEX));
    }

    private ElasticsearchSettings elasticsearch() {
        List<URI> urls = elasticsearchUrls();
        Optional<String> username = raw(Setting.ELASTICSEARCH_USERNAME);
        Secret password = Secret.of(raw(Setting.ELASTICSEARCH_PASSWORD).orElse(null));
        Secret apiKey = Secret.of(raw(Setting.ELASTICSEARCH_API_KEY).orElse(null));
        if (apiKey.isPresent() && username.isPresent()) {
            problems.add("both an API key and a username are set for Elasticsearch: use "
                    + describe(Setting.ELASTICSEARCH_API_KEY) + " or " + describe(Setting.ELASTICSEARCH_USERNAME)
                    + "/" + describe(Setting.ELASTICSEARCH_PASSWORD) + ", not both");
        }
        if (username.isPresent() != password.isPresent()) {
            problems.add("Elasticsearch basic authentication needs both " + describe(Setting.ELASTICSEARCH_USERNAME)
                    + " and " + describe(Setting.ELASTICSEARCH_PASSWORD));
        }
        Optional<Path> caCert = raw(Setting.ELASTICSEARCH_CA_CERT).map(Path::of);
        caCert.ifPresent(this::checkCaCertificate);
        Optional<String> fingerprint = raw(Setting.ELASTICSEARCH_CA_FINGERPRINT);
        fingerprint.filter(f -> !FINGERPRINT.matcher(f).matches()).ifPresent(f -> problems.add(
                describe(Setting.ELASTICSEARCH_CA_FINGERPRINT) + ": expected a SHA-256 fingerprint "
                        + "(64 hex digits, colons allowed), got " + f.length() + " characters"));
        if (caCert.isPresent() && fingerprint.isPresent()) {
            problems.add("both a CA certificate and a CA fingerprint are set: use "
                    + describe(Setting.ELASTICSEARCH_CA_CERT) + " or "
                    + describe(Setting.ELASTICSEARCH_CA_FINGERPRINT));
        }
        Duration timeout = seconds(Setting.ELASTICSEARCH_TIMEOUT, 1, 3600);
        SearchEngine engine = searchEngine();
        Optional<String> sigV4 = sigV4Service(urls, engine, username.isPresent() || apiKey.isPresent());
        if (!problems.isEmpty()) {
            return null;
        }
        return new ElasticsearchSettings(urls, username, Optional.of(password.value()).filter(p -> !p.isEmpty()),
                Optional.of(apiKey.value()).filter(k -> !k.isEmpty()), caCert,
                fingerprint.map(f -> f.replace(":", "").toLowerCase(Locale.ROOT)), timeout, engine, sigV4);
    }

    private SearchEngine searchEngine() {
        String value = valueOrDefault(Setting.SEARCH_ENGINE);
        Optional<SearchEngine> engine = SearchEngine.parse(value);
        if (engine.isEmpty()) {
            problems.add(describe(Setting.SEARCH_ENGINE) + ": expected elasticsearch, opensearch or auto, got '"
                    + value + "'");
        }
        return engine.orElse(SearchEngine.AUTO);
    }

    /**
     * SigV4 signing for Amazon OpenSearch Service: as set, or {@code es} for a {@code *.es.amazonaws.com} host unless
     * a username or API key is given. OpenSearch Serverless ({@code aoss}, and {@code *.aoss.amazonaws.com} hosts) is
     * refused here with one line: the seed's flow needs a stored painless script and an ingest pipeline, which
     * Serverless does not offer.
     */
    private Optional<String> sigV4Service(List<URI> urls, SearchEngine engine, boolean otherCredentials) {
        Optional<String> service = raw(Setting.AWS_SIGV4_SERVICE).map(String::strip).filter(v -> !v.isEmpty());
        boolean serverlessHost = urls.stream().anyMatch(u -> u.getHost().endsWith(".aoss.amazonaws.com"));
        if (service.filter("aoss"::equals).isPresent() || service.isEmpty() && serverlessHost) {
            problems.add("OpenSearch Serverless (aoss) is not supported: the queue needs the llm ingest pipeline "
                    + "with its stored painless script, which Serverless collections do not offer; use an OpenSearch "
                    + "Service domain (" + describe(Setting.AWS_SIGV4_SERVICE) + " es)");
            return Optional.empty();
        }
        if (service.isPresent() && !service.get().equals("es")) {
            problems.add(describe(Setting.AWS_SIGV4_SERVICE) + ": expected es (Amazon OpenSearch Service), got '"
                    + service.get() + "'");
            return Optional.empty();
        }
        if (service.isPresent() && otherCredentials) {
            problems.add(describe(Setting.AWS_SIGV4_SERVICE) + " signs every request with AWS credentials: give no "
                    + "Elasticsearch username or API key with it");
            return Optional.empty();
        }
        if (service.isPresent() && engine == SearchEngine.ELASTICSEARCH) {
            problems.add(describe(Setting.AWS_SIGV4_SERVICE) + " is for Amazon OpenSearch Service, but "
                    + describe(Setting.SEARCH_ENGINE) + " is elasticsearch");
            return Optional.empty();
        }
        if (service.isPresent() && urls.stream().anyMatch(u -> !"https".equals(u.getScheme()))) {
            problems.add(describe(Setting.AWS_SIGV4_SERVICE) + " needs the domain's https:// endpoint");
            return Optional.empty();
        }
        boolean domainHost = urls.stream().anyMatch(u -> u.getHost().endsWith(".es.amazonaws.com"));
        return service.or(() -> domainHost && !otherCredentials ? Optional.of("es") : Optional.empty());
    }

    /**
     * The Bedrock region: the setting, else Lambda's (and the AWS CLI's) {@code AWS_REGION}, else left to the SDK's
     * region chain on first use. The endpoint override follows the SDK's own variables, so a VPC endpoint or a test
     * server configured the standard way is honoured here too.
     */
    private BedrockAccess bedrock() {
        Optional<String> region = raw(Setting.BEDROCK_REGION);
        region.filter(r -> !REGION.matcher(r).matches()).ifPresent(r -> problems.add(describe(Setting.BEDROCK_REGION)
                + ": '" + r + "' is not an AWS region name (e.g. us-east-1, eu-central-1)"));
        if (region.isEmpty()) {
            region = variable(AWS_REGION);
        }
        Optional<URI> endpoint = Optional.empty();
        if (!variable(IGNORE_ENDPOINTS).map("true"::equalsIgnoreCase).orElse(false)) {
            endpoint = BEDROCK_ENDPOINT_VARIABLES.stream().filter(v -> variable(v).isPresent()).findFirst()
                    .flatMap(this::endpoint);
        }
        return new BedrockAccess(region, endpoint);
    }

    private Optional<URI> endpoint(String variable) {
        String value = variable(variable).orElseThrow();
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getUserInfo() == null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add(variable + ": expected an http:// or https:// URL with a host, got '" + withoutUserInfo(value)
                + "'");
        return Optional.empty();
    }

    private Optional<String> variable(String name) {
        return Optional.ofNullable(values.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private void checkCaCertificate(Path pem) {
        try {
            CaCertificateFile.check(pem);
        } catch (IllegalArgumentException e) {
            problems.add(describe(Setting.ELASTICSEARCH_CA_CERT) + ": " + e.getMessage());
        }
    }

    /**
     * One URL, or several comma-separated nodes of the same cluster (the client fails over between them): each must
     * be a usable http(s) URL, all with the same scheme, and none given twice.
     */
    private List<URI> elasticsearchUrls() {
        Optional<String> value = raw(Setting.ELASTICSEARCH_URL);
        if (value.isEmpty()) {
            problems.add("no Elasticsearch URL: pass --elasticsearch or set ELASTICSEARCH_URL"
                    + " (no cluster yet? `bin/llm-watcher demo` runs a throwaway local one)");
            return List.of();
        }
        List<URI> urls = new ArrayList<>();
        String[] parts = value.get().split(",", -1);
        for (String part : parts) {
            if (part.isBlank()) {
                problems.add(describe(Setting.ELASTICSEARCH_URL) + ": an empty entry in the comma-separated list '"
                        + withoutUserInfo(value.get()) + "'");
                continue;
            }
            URI url = url(Setting.ELASTICSEARCH_URL, part.strip());
            if (url != null && urls.contains(url)) {
                problems.add(describe(Setting.ELASTICSEARCH_URL) + ": " + url + " is given twice");
            } else if (url != null) {
                urls.add(url);
            }
        }
        if (urls.stream().map(URI::getScheme).distinct().count() > 1) {
            problems.add(describe(Setting.ELASTICSEARCH_URL) + ": mixes http:// and https:// URLs; the nodes of one "
                    + "cluster use the same scheme");
        }
        if (urls.stream().map(ConfigReader::pathPrefix).distinct().count() > 1) {
            problems.add(describe(Setting.ELASTICSEARCH_URL) + ": the URLs have different paths; the nodes of one "
                    + "cluster are reached under the same path");
        }
        return urls;
    }

    private Optional<String> raw(Setting setting) {
        return variable(setting.variable());
    }

    private String valueOrDefault(Setting setting) {
        return raw(setting).or(setting::defaultValue).orElseThrow();
    }

    private URI url(Setting setting) {
        return url(setting, valueOrDefault(setting));
    }

    private URI url(Setting setting, String value) {
        try {
            URI uri = new URI(value);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add(describe(setting) + ": expected an http:// or https:// URL with a host, got '"
                        + withoutUserInfo(value) + "'");
                return null;
            }
            if (uri.getUserInfo() != null) {
                problems.add(describe(setting) + ": put credentials in their own settings, not in the URL");
                return null;
            }
            return value.endsWith("/") ? URI.create(value.substring(0, value.length() - 1)) : uri;
        } catch (URISyntaxException e) {
            problems.add(describe(setting) + ": not a valid URL: " + e.getReason());
            return null;
        }
    }

    private static String pathPrefix(URI url) {
        return url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
    }

    /** Empty when the setting is present but blank ("none"); its default when absent. */
    private Optional<URI> urlUnlessSetEmpty(Setting setting) {
        String value = values.get(setting.variable());
        if (value != null && value.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(url(setting));
    }

    private static String withoutUserInfo(String value) {
        return value.replaceAll("//[^/@]*@", "//");
    }

    private int integer(Setting setting, int min, int max) {
        String value = valueOrDefault(setting);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problems.add(describe(setting) + ": must be between " + min + " and " + max + ", got " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(describe(setting) + ": expected a whole number, got '" + value + "'");
            return min;
        }
    }

    private Duration seconds(Setting setting, int min, int max) {
        String value = valueOrDefault(setting);
        try {
            double parsed = Double.parseDouble(value);
            if (Double.isNaN(parsed) || parsed < min || parsed > max) {
                problems.add(describe(setting) + ": must be between " + min + " and " + max + " seconds, got "
                        + value);
                return Duration.ofSeconds(min);
            }
            return Duration.ofMillis(Math.round(parsed * 1000));
        } catch (NumberFormatException e) {
            problems.add(describe(setting) + ": expected a number of seconds, got '" + value + "'");
            return Duration.ofSeconds(min);
        }
    }

    private boolean bool(Setting setting) {
        String value = valueOrDefault(setting).toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> {
                problems.add(describe(setting) + ": expected true or false, got '" + value + "'");
                yield false;
            }
        };
    }

    private String indexName(Setting setting) {
        String value = valueOrDefault(setting);
        if (!INDEX_NAME.matcher(value).matches() || value.length() > 255) {
            problems.add(describe(setting) + ": '" + value + "' is not a valid index name "
                    + "(lowercase letters, digits, and . _ + - after the first character)");
        }
        return value;
    }

    private static String describe(Setting setting) {
        return setting.flag() + " (" + setting.variable() + ")";
    }
}
