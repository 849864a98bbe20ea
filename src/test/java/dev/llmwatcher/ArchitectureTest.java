package dev.llmwatcher;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.ArchitectureViolation;
import dev.llmwatcher.engine.WatcherEngine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The package rules of {@code src/main}, as the {@code package-info.java} files state them: no package cycle; the
 * engine and the ports import no adapter, provider package or shell; providers know each other only through the LLM
 * port; each client library stays in its adapter. The {@code @Test}s prove that the rules fail on a class that breaks
 * them, and that every package says what it is.
 */
@AnalyzeClasses(packages = "dev.llmwatcher", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Adapters, provider packages, the shared provider plumbing and the shells: what the core must never import. */
    private static final String[] OUTER = {"dev.llmwatcher.elasticsearch..", "dev.llmwatcher.opensearch..",
            "dev.llmwatcher.llm.ollama..",
            "dev.llmwatcher.llm.openai..", "dev.llmwatcher.llm.bedrock..", "dev.llmwatcher.llm.http..",
            "dev.llmwatcher.llm.retry..", "dev.llmwatcher.aws..", "dev.llmwatcher.cli..", "dev.llmwatcher.app..",
            "dev.llmwatcher.demo.."};
    /** The client libraries the adapters wrap. */
    private static final String[] CLIENT_LIBRARIES = {"co.elastic..", "org.opensearch.client..", "software.amazon..",
            "com.amazonaws.."};
    /** The ports: what the engine needs of the outside systems. */
    private static final String[] PORTS = {"dev.llmwatcher.llm", "dev.llmwatcher.queue..", "dev.llmwatcher.cache..",
            "dev.llmwatcher.batch..", "dev.llmwatcher.backfill.."};

    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.llmwatcher.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule THE_ENGINE_IMPORTS_NO_ADAPTER = noClasses().that()
            .resideInAnyPackage("dev.llmwatcher.engine..")
            .should().dependOnClassesThat().resideInAnyPackage(OUTER)
            .orShould().dependOnClassesThat().resideInAnyPackage(CLIENT_LIBRARIES)
            .because("the engine sees the outside only through the ports");

    @ArchTest
    static final ArchRule THE_PORTS_IMPORT_NO_ADAPTER = noClasses().that().resideInAnyPackage(PORTS)
            .should().dependOnClassesThat().resideInAnyPackage(OUTER)
            .orShould().dependOnClassesThat().resideInAnyPackage("dev.llmwatcher.engine..")
            .orShould().dependOnClassesThat().resideInAnyPackage(CLIENT_LIBRARIES)
            .because("a port says what the engine needs, its adapters how a system gives it");

    @ArchTest
    static final ArchRule PROVIDERS_KNOW_EACH_OTHER_ONLY_THROUGH_THE_PORT = slices()
            .matching("dev.llmwatcher.llm.(*)..").should().notDependOnEachOther()
            .ignoreDependency(DescribedPredicate.alwaysTrue(),
                    JavaClass.Predicates.resideInAnyPackage("dev.llmwatcher.llm.http.."))
            .because("a provider is a package of its own; the shared HTTP client is the only thing they share");

    @ArchTest
    static final ArchRule ONLY_THE_ELASTICSEARCH_ADAPTER_USES_ITS_CLIENT = noClasses().that()
            .resideOutsideOfPackage("dev.llmwatcher.elasticsearch..")
            .should().dependOnClassesThat().resideInAPackage("co.elastic..");

    @ArchTest
    static final ArchRule ONLY_THE_OPENSEARCH_ADAPTER_USES_ITS_CLIENT = noClasses().that()
            .resideOutsideOfPackage("dev.llmwatcher.opensearch..")
            .should().dependOnClassesThat().resideInAPackage("org.opensearch.client..");

    @ArchTest
    static final ArchRule THE_SHARED_STORE_LOGIC_KNOWS_NO_CLIENT_AND_NO_ADAPTER = noClasses().that()
            .resideInAPackage("dev.llmwatcher.store..")
            .should().dependOnClassesThat().resideInAnyPackage(OUTER)
            .orShould().dependOnClassesThat().resideInAnyPackage(CLIENT_LIBRARIES)
            .orShould().dependOnClassesThat().resideInAnyPackage("dev.llmwatcher.engine..")
            .because("what both search-engine adapters share must not depend on either client");

    @ArchTest
    static final ArchRule ONLY_BEDROCK_AND_THE_LAMBDA_SHELL_USE_THE_AWS_SDK = noClasses().that()
            .resideOutsideOfPackages("dev.llmwatcher.llm.bedrock..", "dev.llmwatcher.aws..",
                    "dev.llmwatcher.opensearch..")
            .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..");

    private static JavaClasses counterexample() {
        return new ClassFileImporter().importClasses(ArchitectureViolation.class, Watcher.class,
                WatcherEngine.class);
    }

    @Test
    void theRulesFailOnAnEngineClassThatImportsAnAdapterAProviderAndTheApplication() {
        JavaClasses classes = counterexample();

        assertThatThrownBy(() -> THE_ENGINE_IMPORTS_NO_ADAPTER.check(classes)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("ElasticsearchQueueStore").hasMessageContaining("OllamaClient");
        assertThatThrownBy(() -> NO_PACKAGE_CYCLES.check(classes)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected");
    }

    @Test
    void everyPackageOfTheProductionCodeSaysWhatItIsAndWhatItMayUse() throws IOException {
        List<Path> packages;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            packages = files.filter(file -> file.toString().endsWith(".java")).map(Path::getParent).distinct()
                    .toList();
        }

        assertThat(packages).hasSizeGreaterThan(10)
                .allSatisfy(dir -> assertThat(dir.resolve("package-info.java")).as(dir.toString()).isRegularFile());
    }
}
