package dev.llmwatcher.cli;

import dev.llmwatcher.bench.LauncherFlags;
import dev.llmwatcher.config.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped systemd files agree with the settings and the graceful-stop contract. */
class SystemdFilesTest {

    @Test
    void exampleEnvironmentNamesOnlyRealSettingsAndTheOriginalOnes() throws IOException {
        String env = Files.readString(Path.of("systemd/llm-watcher.env.example"));
        Matcher names = Pattern.compile("(?m)^#?([A-Z_]+)=").matcher(env);

        int count = 0;
        while (names.find()) {
            count++;
            assertThat(Setting.byVariable(names.group(1))).as(names.group(1)).isPresent();
        }
        assertThat(count).isGreaterThan(5);
        assertThat(env).contains("ELASTICSEARCH_URL=", "ELASTICSEARCH_PASSWORD=", "OLLAMA_API_URL=");
    }

    @Test
    void serviceStopsWithSigtermAndWaitsLongerThanTheGrace() throws IOException {
        String unit = Files.readString(Path.of("systemd/llm-watcher.service"));
        Matcher timeout = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)$").matcher(unit);

        assertThat(unit).contains("KillSignal=SIGTERM", "Restart=on-failure", "EnvironmentFile=", "User=llm-watcher",
                "-jar /opt/llm-watcher/llm-watcher.jar");
        assertThat(timeout.find()).isTrue();
        assertThat(Integer.parseInt(timeout.group(1)))
                .isGreaterThan(Integer.parseInt(Setting.SHUTDOWN_GRACE.defaultValue().orElseThrow()));
    }

    /** The run script's flags are checked by running it: LauncherScriptTest. */
    @Test
    void theUnitUsesTheJvmFlagsTheBenchmarkMeasures() throws IOException {
        String unit = Files.readString(Path.of("systemd/llm-watcher.service"));
        String execStart = unit.lines().filter(line -> line.startsWith("ExecStart=")).findFirst().orElseThrow();

        for (String flag : LauncherFlags.SHIPPED) {
            assertThat(execStart).contains(" " + flag + " ");
        }
    }
}
