package dev.llmwatcher.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run with no Bedrock document pays nothing for the provider: building the providers in a fresh JVM loads our
 * Bedrock shell classes but not one class of the AWS SDK.
 */
class BedrockStartupCostTest {

    @Test
    void buildingTheProvidersLoadsNoAwsSdkClass() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-verbose:class", "-cp", System.getProperty("java.class.path"),
                ProvidersProbe.class.getName()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        List<String> loaded = output.lines().filter(line -> line.contains("class,load")).toList();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(loaded).as("the probe's class loading is visible").anyMatch(line ->
                line.contains(" dev.llmwatcher.llm.bedrock.BedrockClient "));
        assertThat(loaded).noneMatch(line -> line.contains(" software.amazon.awssdk."));
    }
}
