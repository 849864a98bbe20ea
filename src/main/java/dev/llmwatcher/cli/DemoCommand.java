package dev.llmwatcher.cli;

import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.config.Setting;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.demo.Demo;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code demo}: the newcomer's first run, no cluster needed (see {@link Demo}). Elasticsearch settings are
 * ignored, since the demo brings its own; LLM settings apply ({@code --ollama-api}). {@code LLM_WATCHER_DEMO_ZIP}
 * names an Elasticsearch integ-test-zip to use instead of Maven's, {@code LLM_WATCHER_DEMO_DIR} where to unpack it.
 * Exit 0 when the reviews were enriched, 1 when no LLM answered.
 */
public final class DemoCommand implements Command {

    static final String MODEL = "--model";
    static final String ZIP_VARIABLE = "LLM_WATCHER_DEMO_ZIP";
    static final String DIR_VARIABLE = "LLM_WATCHER_DEMO_DIR";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "try it without a cluster: throwaway Elasticsearch, sample reviews, your local Ollama";
    }

    @Override
    public Set<String> options() {
        return Set.of(MODEL);
    }

    @Override
    public String help() {
        return "  --model NAME                       Ollama model to use (default " + Demo.DEFAULT_MODEL + ")\n";
    }

    @Override
    public int run(Arguments arguments, Console console) {
        Map<String, String> settings = new HashMap<>(arguments.settingsOver(console.environment()));
        for (Setting setting : Setting.values()) {
            if (setting.variable().startsWith("ELASTICSEARCH_")) {
                settings.remove(setting.variable());
            }
        }
        settings.remove(Setting.WATCH_INDEX.variable());
        Function<URI, WatcherConfig> withCluster = url -> {
            Map<String, String> local = new HashMap<>(settings);
            local.put(Setting.ELASTICSEARCH_URL.variable(), url.toString());
            return ConfigReader.read(local);
        };
        withCluster.apply(URI.create("http://127.0.0.1:9200"));
        String model = arguments.options().getOrDefault(MODEL, Demo.DEFAULT_MODEL);
        Optional<Path> zip = Optional.ofNullable(console.environment().get(ZIP_VARIABLE)).map(Path::of);
        Path work = Optional.ofNullable(console.environment().get(DIR_VARIABLE)).map(Path::of)
                .orElse(Path.of(System.getProperty("java.io.tmpdir"), "llm-watcher-demo-"
                        + System.getProperty("user.name")));
        Demo.Outcome outcome = new Demo(console.out(), console.clock()).run(zip, work, model, withCluster);
        return outcome == Demo.Outcome.ENRICHED ? Main.OK : Main.FAILED;
    }
}
