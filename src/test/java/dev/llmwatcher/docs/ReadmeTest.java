package dev.llmwatcher.docs;

import dev.llmwatcher.config.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration table is the user's reference: it must name every setting the code reads. */
class ReadmeTest {

    private static String readme() throws IOException {
        return Files.readString(Path.of("README.md"));
    }

    @Test
    void configurationTableHasARowForEverySetting() throws IOException {
        String readme = readme();

        assertThat(Arrays.stream(Setting.values()))
                .allSatisfy(setting -> assertThat(readme)
                        .as("README row for %s", setting)
                        .containsPattern("\\| `" + setting.flag() + "` \\| `" + setting.variable() + "` \\|"));
    }

    @Test
    void defaultsInTheTableMatchTheCode() throws IOException {
        String readme = readme();

        assertThat(Arrays.stream(Setting.values()).filter(s -> s.defaultValue().isPresent()))
                .allSatisfy(setting -> assertThat(readme)
                        .as("README default for %s", setting)
                        .contains("| `" + setting.flag() + "` | `" + setting.variable() + "` | `"
                                + setting.defaultValue().orElseThrow() + "` |"));
    }

    @Test
    void hasExactlyOneRunCommandAndOneTestCommandUpFront() throws IOException {
        String section = readme().split("## Run it, test it")[1].split("\n## ")[0];

        assertThat(section).contains("```sh\nbin/llm-watcher ").contains("```sh\nbin/test\n```");
        assertThat(section.split("```sh").length - 1).isEqualTo(2);
    }
}
