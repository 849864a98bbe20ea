package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.elasticsearch.ElasticsearchAnswerCache;
import dev.llmwatcher.elasticsearch.ElasticsearchTokenLedger;
import dev.llmwatcher.elasticsearch.PipelineInstaller;
import dev.llmwatcher.elasticsearch.QueueTemplateInstaller;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.llm.ProviderNames;
import dev.llmwatcher.opensearch.OpenSearchClients;
import dev.llmwatcher.opensearch.OpenSearchSetup;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.queue.SortField;
import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.store.InstallContent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code setup}: installs on the cluster what the original README made users paste into Kibana (the stored script
 * {@code llm} and an ingest pipeline) plus the queue index template, and says for each whether it was created,
 * updated or already as wanted. Safe to run again. Pipeline parameters come from flags or a JSON file (flags win).
 */
public final class SetupCommand implements Command {

    private static final String FILE = "--pipeline-file";

    @Override
    public String name() {
        return "setup";
    }

    @Override
    public String summary() {
        return "install the stored script, the ingest pipeline and the queue index template (idempotent)";
    }

    @Override
    public Set<String> options() {
        return Set.of("--pipeline", "--provider", "--model", "--prompt", "--schema", "--options", FILE);
    }

    @Override
    public String help() {
        return """
                  --pipeline NAME                    ingest pipeline id (default llm: ?pipeline=llm)
                  --provider NAME                    ollama (default), openai or bedrock
                  --model NAME                       model to call (default llama3.3); for bedrock a model id or
                                                     inference profile id/ARN, e.g. amazon.nova-lite-v1:0
                  --prompt TEXT                      prompt template, e.g. 'Rate: {{ctx.message}}'
                  --schema JSON                      JSON schema of the answer, or "json"
                  --options JSON                     provider options, e.g. '{"temperature":0}'
                  --pipeline-file FILE               JSON object with any of: pipeline, provider, model, prompt,
                                                     schema, options
                """;
    }

    @Override
    public int run(Arguments arguments, Console console) throws IOException {
        WatcherConfig config = ConfigReader.read(arguments.settingsOver(console.environment()));
        PipelineSpec spec = spec(arguments, config.watchIndex());
        if (OpenSearchClients.engineOf(config.elasticsearch()) == SearchEngine.OPENSEARCH) {
            return onOpenSearch(config, spec, console);
        }
        boolean complete = true;
        try (ClusterAdmin admin = ClusterAdmin.open(config.elasticsearch())) {
            PipelineInstaller installer = admin.pipelines();
            complete &= report(console, "stored script " + PipelineInstaller.SCRIPT_ID, installer.installScript());
            complete &= report(console, "ingest pipeline " + spec.name(), installer.installPipeline(spec));
            QueueTemplateInstaller.Result template = admin.templates().install(config.watchIndex(),
                    config.sortField());
            console.out().printf("%-40s %s%n", "index template "
                    + QueueTemplateInstaller.templateName(config.watchIndex()), word(template.name()));
            String cacheIndex = config.answerCache().index();
            console.out().printf("%-40s %s%n", "index template " + ElasticsearchAnswerCache.templateName(cacheIndex),
                    word(admin.answerCache(cacheIndex).installTemplate().name()));
            String budgetIndex = config.budget().index();
            console.out().printf("%-40s %s%n", "index template " + ElasticsearchTokenLedger.templateName(budgetIndex),
                    word(admin.tokenLedger(budgetIndex).installTemplate().name()));
        }
        if (!complete) {
            console.err().println("llm-watcher: this cluster has no painless scripting or ingest script "
                    + "processor, so the script and pipeline could not be installed; use a cluster with painless "
                    + "(any regular Elasticsearch distribution) or queue documents into "
                    + config.watchIndex() + " yourself");
            return Main.FAILED;
        }
        return Main.OK;
    }

    /** The script, the pipeline and the index templates on OpenSearch, which runs the original painless unchanged. */
    private static int onOpenSearch(WatcherConfig config, PipelineSpec spec, Console console) {
        try (OpenSearchSetup setup = OpenSearchSetup.open(config.elasticsearch())) {
            console.out().printf("%-40s %s%n", "stored script " + InstallContent.SCRIPT_ID,
                    word(setup.installScript().name()));
            console.out().printf("%-40s %s%n", "ingest pipeline " + spec.name(),
                    word(setup.installPipeline(spec).name()));
            console.out().printf("%-40s %s%n", "index template " + IndexTemplates.queueName(config.watchIndex()),
                    word(setup.installQueueTemplate(config.watchIndex(), SortField.parse(config.sortField())).name()));
            String cacheIndex = config.answerCache().index();
            console.out().printf("%-40s %s%n", "index template " + IndexTemplates.cacheName(cacheIndex),
                    word(setup.installCacheTemplate(cacheIndex).name()));
            String budgetIndex = config.budget().index();
            console.out().printf("%-40s %s%n", "index template " + IndexTemplates.ledgerName(budgetIndex),
                    word(setup.installLedgerTemplate(budgetIndex).name()));
        }
        return Main.OK;
    }

    private static boolean report(Console console, String what, PipelineInstaller.Result result) {
        String word = result == PipelineInstaller.Result.NEEDS_PAINLESS
                ? "not installed: needs a cluster with painless" : word(result.name());
        console.out().printf("%-40s %s%n", what, word);
        return result != PipelineInstaller.Result.NEEDS_PAINLESS;
    }

    private static String word(String result) {
        return result.toLowerCase(java.util.Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    static PipelineSpec spec(Arguments arguments, String queueIndex) throws IOException {
        Map<String, Object> values = new HashMap<>();
        String file = arguments.options().get(FILE);
        if (file != null) {
            Path path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                throw new UsageException(FILE + ": no such file " + file);
            }
            try {
                values.putAll(Json.mapper().readValue(path.toFile(), Map.class));
            } catch (IOException e) {
                throw new UsageException(FILE + ": " + file + " is not a JSON object: " + e.getMessage());
            }
        }
        for (String key : new String[] {"pipeline", "provider", "model", "prompt"}) {
            String flag = arguments.options().get("--" + key);
            if (flag != null) {
                values.put(key, flag);
            }
        }
        for (String key : new String[] {"schema", "options"}) {
            String flag = arguments.options().get("--" + key);
            if (flag != null) {
                values.put(key, parseJson("--" + key, flag));
            }
        }
        Object provider = values.get("provider");
        if (provider != null && !ProviderNames.ALL.contains(provider.toString().strip().toLowerCase(Locale.ROOT))) {
            throw new UsageException("--provider must be one of " + String.join(", ", ProviderNames.ALL)
                    + ", got " + provider);
        }
        Object options = values.get("options");
        if (options != null && !(options instanceof Map)) {
            throw new UsageException("--options must be a JSON object, got " + options);
        }
        Object schema = values.get("schema");
        if (schema != null && !(schema instanceof Map) && !"json".equals(schema)) {
            throw new UsageException("--schema must be a JSON schema object or \"json\", got " + schema);
        }
        return new PipelineSpec(string(values.getOrDefault("pipeline", PipelineSpec.DEFAULT_NAME)),
                string(values.get("provider")), string(values.get("model")), string(values.get("prompt")), schema,
                (Map<String, Object>) options, queueIndex);
    }

    private static Object parseJson(String flag, String text) {
        if ("json".equals(text)) {
            return text;
        }
        try {
            return Json.mapper().readValue(text, Object.class);
        } catch (IOException e) {
            throw new UsageException(flag + " is not valid JSON: " + text);
        }
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}
