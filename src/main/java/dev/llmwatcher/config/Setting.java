package dev.llmwatcher.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every setting the watcher reads, once: its environment variable, its command-line flag, its default and its
 * help text. The command line, {@code --help}, the Lambda handlers and the SAM template test all read this list,
 * so a flag and its variable can never drift apart. The original script's five variables keep their names.
 */
public enum Setting {
    ELASTICSEARCH_URL("ELASTICSEARCH_URL", "--elasticsearch", null,
            "Elasticsearch URL, e.g. https://localhost:9200; several, comma-separated, are nodes to fail over between"),
    ELASTICSEARCH_USERNAME("ELASTICSEARCH_USERNAME", "--elasticsearch-username", null,
            "Username for basic authentication"),
    ELASTICSEARCH_PASSWORD("ELASTICSEARCH_PASSWORD", "--elasticsearch-password", null,
            "Password for basic authentication"),
    ELASTICSEARCH_API_KEY("ELASTICSEARCH_API_KEY", "--elasticsearch-api-key", null,
            "API key (the encoded form Kibana shows) instead of username/password"),
    ELASTICSEARCH_CA_CERT("ELASTICSEARCH_CA_CERT", "--elasticsearch-ca-cert", null,
            "PEM file of the CA that signed the cluster's certificate"),
    ELASTICSEARCH_CA_FINGERPRINT("ELASTICSEARCH_CA_FINGERPRINT", "--elasticsearch-ca-fingerprint", null,
            "SHA-256 fingerprint of the cluster's CA certificate (as printed at first start)"),
    ELASTICSEARCH_TIMEOUT("LLM_WATCHER_ELASTICSEARCH_TIMEOUT", "--elasticsearch-timeout", "30",
            "Seconds an Elasticsearch request may take"),
    SEARCH_ENGINE("LLM_WATCHER_SEARCH_ENGINE", "--search-engine", "auto",
            "elasticsearch, opensearch, or auto (ask the cluster at start-up); for clusters that hide their version"),
    AWS_SIGV4_SERVICE("LLM_WATCHER_AWS_SIGV4_SERVICE", "--aws-sigv4-service", null,
            "Sign OpenSearch requests with AWS SigV4 for this service: es (Amazon OpenSearch Service); on by default "
                    + "for *.es.amazonaws.com hosts"),
    OLLAMA_API_URL("OLLAMA_API_URL", "--ollama-api", "http://localhost:11434",
            "Ollama API URL; set it empty for none (documents asking for ollama then fail without a call)"),
    OPENAI_API_KEY("OPENAI_API_KEY", "--openai-api-key", null,
            "OpenAI API key (optional for OpenAI-compatible servers that need none)"),
    OPENAI_BASE_URL("OPENAI_BASE_URL", "--openai-base-url", "https://api.openai.com/v1",
            "OpenAI-compatible base URL (vLLM, llama.cpp server, LM Studio, Ollama's /v1)"),
    BEDROCK_REGION("LLM_WATCHER_BEDROCK_REGION", "--bedrock-region", null,
            "AWS region of Amazon Bedrock, for documents whose provider is bedrock (default: AWS_REGION, then the "
                    + "AWS profile's region)"),
    WATCH_INDEX("LLM_WATCHER_WATCH_INDEX", "--watch-index", "llm-queue",
            "Queue index to drain"),
    BATCH_SIZE("LLM_WATCHER_BATCH_SIZE", "--batch-size", "10",
            "Documents read from the queue per page; also the default LLM concurrency"),
    CONCURRENCY("LLM_WATCHER_CONCURRENCY", "--concurrency", null,
            "LLM calls in flight at once (default: the batch size)"),
    WATCH_INTERVAL("LLM_WATCHER_WATCH_INTERVAL", "--watch-interval", "10",
            "Seconds between queue checks in the watch loop"),
    RETRY_ERRORS("LLM_WATCHER_RETRY_ERRORS", "--retry-errors", "false",
            "Process documents that failed before instead of new ones"),
    SORT_FIELD("LLM_WATCHER_SORT_FIELD", "--sort-field", null,
            "Field to sort queue documents by (ascending)"),
    DEBUG("LLM_WATCHER_DEBUG", "--debug", "false",
            "Debug logging, including each request's timing"),
    LLM_TIMEOUT("LLM_WATCHER_LLM_TIMEOUT", "--llm-timeout", "120",
            "Seconds one LLM call may take, retries included"),
    MAX_ATTEMPTS("LLM_WATCHER_MAX_ATTEMPTS", "--max-attempts", "5",
            "Failed attempts after which a document is parked (kept, never retried automatically)"),
    RETRY_BACKOFF("LLM_WATCHER_RETRY_BACKOFF", "--retry-backoff", "60",
            "Seconds before the first retry of a failed document; doubles with each attempt (max 6 h)"),
    MAX_PROMPT_CHARS("LLM_WATCHER_MAX_PROMPT_CHARS", "--max-prompt-chars", "100000",
            "Longest rendered prompt sent to an LLM (a cost guard); longer ones fail the document"),
    PASS_DURATION("LLM_WATCHER_PASS_DURATION", "--pass-duration", "600",
            "Longest one pass may run before it writes back and starts over (also bounds claim leases)"),
    SHUTDOWN_GRACE("LLM_WATCHER_SHUTDOWN_GRACE", "--shutdown-grace", "30",
            "Seconds to finish in-flight calls and write back after SIGTERM/SIGINT"),
    ANSWER_CACHE("LLM_WATCHER_ANSWER_CACHE", "--answer-cache", "true",
            "Reuse the answer to a question asked before (same provider, endpoint, model, prompt, format, options) "
                    + "instead of paying for another call; false for documents that need independent samples"),
    ANSWER_CACHE_MAX_AGE("LLM_WATCHER_ANSWER_CACHE_MAX_AGE", "--answer-cache-max-age", "604800",
            "Seconds a cached answer is reused (default 7 days); older ones are asked again"),
    ANSWER_CACHE_INDEX("LLM_WATCHER_ANSWER_CACHE_INDEX", "--answer-cache-index", "llm-watcher-answer-cache",
            "Index that keeps the answer cache"),
    BATCH_MODE("LLM_WATCHER_BATCH_MODE", "--batch-mode", "off",
            "OpenAI documents through the Batch API (half price, answers within 24 h): off, auto (once "
                    + "--batch-min-documents wait) or always"),
    BATCH_MIN_DOCUMENTS("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "--batch-min-documents", "1000",
            "With --batch-mode auto: eligible OpenAI documents that make a pass submit a batch (fewer are called "
                    + "directly)"),
    BATCH_MAX_REQUESTS("LLM_WATCHER_BATCH_MAX_REQUESTS", "--batch-max-requests", "50000",
            "Requests per batch file (OpenAI's limit: 50000); a submission over it is split"),
    BATCH_MAX_MEGABYTES("LLM_WATCHER_BATCH_MAX_MEGABYTES", "--batch-max-megabytes", "200",
            "Megabytes per batch file (OpenAI's limit: 200); a submission over it is split"),
    UNDECLARED_FIELDS("LLM_WATCHER_UNDECLARED_FIELDS", "--undeclared-fields", "drop",
            "Answer fields the schema does not declare: drop (count and log them) or fail (the document fails)"),
    MAX_ANSWER_BYTES("LLM_WATCHER_MAX_ANSWER_BYTES", "--max-answer-bytes", "65536",
            "Longest answer accepted, in bytes; a longer one fails the document"),
    MAX_ANSWER_FIELDS("LLM_WATCHER_MAX_ANSWER_FIELDS", "--max-answer-fields", "1000",
            "Most fields an answer object may have (distinct paths, nested ones included); more fail the document"),
    ALLOWED_TARGET_INDICES("LLM_WATCHER_ALLOWED_TARGET_INDICES", "--allowed-target-indices", "*",
            "Comma-separated index patterns (* wildcards) answers may be written to; a document whose "
                    + "_original_index matches none fails"),
    DAILY_TOKEN_BUDGET("LLM_WATCHER_DAILY_TOKEN_BUDGET", "--daily-token-budget", null,
            "Tokens each model may spend per UTC day, shared by every drainer of the cluster: MODEL=TOKENS[,...], "
                    + "*=TOKENS for every model not named (e.g. gpt-4o-mini=2M,*=0); none: no limit"),
    TOKEN_BUDGET_INDEX("LLM_WATCHER_TOKEN_BUDGET_INDEX", "--token-budget-index", "llm-watcher-token-budget",
            "Index that keeps each day's token spend per model"),
    SECRET_ID("LLM_WATCHER_SECRET_ID", "--secret-id", null,
            "Lambda: Secrets Manager secret (ARN or name) holding the Elasticsearch and OpenAI credentials as JSON"),
    SECRET_MAX_AGE("LLM_WATCHER_SECRET_MAX_AGE", "--secret-max-age", "300",
            "Lambda: seconds a fetched secret is reused before it is read again"),
    SAFETY_MARGIN("LLM_WATCHER_SAFETY_MARGIN", "--safety-margin", "10",
            "Lambda: seconds of an invocation's remaining time kept free, so it never times out mid-write"),
    MAX_DRAINERS("LLM_WATCHER_MAX_DRAINERS", "--max-drainers", "1",
            "Lambda: the most drainers a scheduled invocation runs on a backlog, itself included; it invokes itself "
                    + "asynchronously for the others (1: none)");

    private final String variable;
    private final String flag;
    private final String defaultValue;
    private final String help;

    Setting(String variable, String flag, String defaultValue, String help) {
        this.variable = variable;
        this.flag = flag;
        this.defaultValue = defaultValue;
        this.help = help;
    }

    public String variable() {
        return variable;
    }

    public String flag() {
        return flag;
    }

    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String help() {
        return help;
    }

    /** True for on/off flags such as {@code --retry-errors}, which take no value on the command line. */
    public boolean isSwitch() {
        return "false".equals(defaultValue);
    }

    public static Optional<Setting> byFlag(String flag) {
        return Arrays.stream(values()).filter(s -> s.flag.equals(flag)).findFirst();
    }

    public static Optional<Setting> byVariable(String variable) {
        return Arrays.stream(values()).filter(s -> s.variable.equals(variable)).findFirst();
    }
}
