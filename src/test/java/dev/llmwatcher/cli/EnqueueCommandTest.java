package dev.llmwatcher.cli;

import dev.llmwatcher.testing.CliRunner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code enqueue}'s own flags are checked before anything is sent, with a message that says what to change. */
class EnqueueCommandTest {

    private final CliRunner cli = new CliRunner();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--prompt p                                  | --from INDEX is required",
            "--from reviews                              | --prompt is required",
            "--from reviews --prompt p --query [1]       | --query must be a JSON object",
            "--from reviews --prompt p --query {         | --query is not valid JSON",
            "--from reviews --prompt p --slices 0        | --slices must be a whole number from 1 to 64",
            "--from reviews --prompt p --provider x      | --provider must be one of",
            "--from reviews --prompt p --dry-run --sample x | --sample must be a whole number from 1 to 10000"})
    void aBadCommandLineIsAUsageErrorThatSaysWhatToChange(String flags, String message) {
        String[] args = ("enqueue " + flags.strip()).split("\\s+");

        int status = cli.run(Map.of("ELASTICSEARCH_URL", "http://127.0.0.1:9"), args);

        assertThat(status).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains(message);
    }
}
