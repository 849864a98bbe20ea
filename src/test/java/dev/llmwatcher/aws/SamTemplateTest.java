package dev.llmwatcher.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.llmwatcher.batch.ProviderBatch;
import dev.llmwatcher.config.IndexPatterns;
import dev.llmwatcher.budget.BudgetUse;
import dev.llmwatcher.config.Setting;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.LatencyStats;
import dev.llmwatcher.engine.ModelBudget;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * {@code template.yaml} agrees with the code (handlers, environment variables, metrics, the secret's policy), passes
 * {@code cfn-lint} without a finding, and translates with the SAM translator into the resources a deploy needs. The
 * translated assertions read what CloudFormation will actually get, not the SAM shorthand.
 */
class SamTemplateTest {

    private static final Path TEMPLATE = Path.of("template.yaml");
    private static final Map<String, Object> NO_VALUE = Map.of("Ref", "AWS::NoValue");
    private static Map<String, Object> translated;

    private static final List<String> SHORT_FORMS = List.of("Ref", "Sub", "GetAtt", "If", "Equals", "Not", "And",
            "Or", "Join", "Select", "Split", "FindInMap", "GetAZs", "ImportValue", "Base64", "Condition",
            "EachMemberEquals");

    private final Map<String, Object> template = load(TEMPLATE);

    /** The template as {@code sam package} leaves it (S3 CodeUri), through the SAM translator, as JSON. */
    @BeforeAll
    static void translate() throws IOException {
        Command result = Command.run(Path.of("."), Map.of("AWS_DEFAULT_REGION", "eu-west-1"), Duration.ofMinutes(2),
                List.of("python3", "src/test/python/sam_translate.py", TEMPLATE.toString()));
        assertThat(result.exitCode()).as(result.output()).isZero();
        translated = LambdaHarness.JSON.readValue(result.output(), new TypeReference<>() { });
    }

    /** Reads CloudFormation YAML, turning {@code !Ref X} into {@code {"Ref": X}} and {@code !Sub s} into {@code {"Fn::Sub": s}}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) {
        try {
            return (Map<String, Object>) new Yaml(new CloudFormationConstructor()).load(Files.readString(file));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(new LoaderOptions());
            for (String name : SHORT_FORMS) {
                String key = name.equals("Ref") || name.equals("Condition") ? name : "Fn::" + name;
                yamlConstructors.put(new Tag("!" + name), new AbstractConstruct() {
                    @Override
                    public Object construct(Node node) {
                        Object value = switch (node) {
                            case ScalarNode scalar -> constructScalar(scalar);
                            case SequenceNode sequence -> constructSequence(sequence);
                            case MappingNode mapping -> constructMapping(mapping);
                            default -> throw new IllegalArgumentException("unexpected node " + node);
                        };
                        if (name.equals("GetAtt") && value instanceof String dotted) {
                            value = List.of(dotted.split("\\.", 2));
                        }
                        return Map.of(key, value);
                    }
                });
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private Map<String, Object> resources() {
        return map(template.get("Resources"));
    }

    private Map<String, Map<String, Object>> ofType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources().forEach((name, resource) -> {
            if (type.equals(map(resource).get("Type"))) {
                found.put(name, map(map(resource).get("Properties")));
            }
        });
        return found;
    }

    private Map<String, Object> globalFunction() {
        return map(map(template.get("Globals")).get("Function"));
    }

    @Test
    void bothFunctionsRunOnJavaArm64WithSnapStartThroughAnAlias() {
        Map<String, Object> global = globalFunction();

        assertThat(ofType("AWS::Serverless::Function")).containsOnlyKeys("WatcherFunction", "RetryFunction");
        assertThat(global.get("Runtime")).as("see the README's runtime section").isEqualTo("java25");
        assertThat(global).containsEntry("Architectures", List.of("arm64"))
                .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"))
                .containsEntry("AutoPublishAlias", "live");
    }

    @Test
    void everyHandlerNamedExistsWithTheRequestHandlerSignature() throws Exception {
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            String[] handler = ((String) function.get("Handler")).split("::");
            Class<?> type = Class.forName(handler[0]);
            Method method = type.getMethod(handler[1], Map.class, Context.class);

            assertThat(RequestHandler.class).isAssignableFrom(type);
            assertThat(method.getReturnType()).isEqualTo(Map.class);
            assertThat(type.getConstructor()).isNotNull();
            Type requestHandler = Arrays.stream(type.getGenericInterfaces())
                    .filter(t -> t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class)
                    .findFirst().orElseThrow();
            assertThat(((ParameterizedType) requestHandler).getActualTypeArguments()).extracting(Type::getTypeName)
                    .containsExactly("java.util.Map<java.lang.String, java.lang.Object>",
                            "java.util.Map<java.lang.String, java.lang.Object>");
        }
    }

    @Test
    void everyEnvironmentVariableSetIsASettingTheConfigurationReads() {
        List<String> variables = new ArrayList<>(map(map(globalFunction().get("Environment")).get("Variables"))
                .keySet());
        ofType("AWS::Serverless::Function").values().stream().filter(f -> f.containsKey("Environment"))
                .forEach(f -> variables.addAll(map(map(f.get("Environment")).get("Variables")).keySet()));

        assertThat(variables).isNotEmpty().allSatisfy(variable ->
                assertThat(Setting.byVariable(variable)).as(variable).isPresent());
        assertThat(variables).contains(Setting.ELASTICSEARCH_URL.variable(), Setting.SECRET_ID.variable());
    }

    @Test
    void everyAlarmWatchesAMetricTheCodeEmitsOrALambdaMetric() {
        Map<String, Map<String, Object>> alarms = ofType("AWS::CloudWatch::Alarm");
        List<Map<String, Object>> metrics = new ArrayList<>();
        alarms.values().forEach(alarm -> {
            if (alarm.containsKey("MetricName")) {
                metrics.add(alarm);
            }
            if (alarm.get("Metrics") instanceof List<?> queries) {
                queries.stream().map(q -> map(q).get("MetricStat")).filter(s -> s != null)
                        .forEach(stat -> metrics.add(map(map(stat).get("Metric"))));
            }
        });

        assertThat(metrics).isNotEmpty().allSatisfy(metric -> {
            if (Metric.NAMESPACE.equals(metric.get("Namespace"))) {
                assertThat(Metric.byName((String) metric.get("MetricName"))).as(metric.toString()).isPresent();
            } else {
                assertThat(metric).containsEntry("Namespace", "AWS/Lambda");
                assertThat((String) metric.get("MetricName")).isIn("Errors", "Throttles");
            }
        });
        assertThat(metrics).extracting(m -> m.get("MetricName")).contains(Metric.DOCUMENTS_FAILED.metricName(),
                Metric.OLDEST_QUEUED_AGE.metricName(), "Errors", "Throttles");
        assertThat(alarms.values()).allSatisfy(alarm ->
                assertThat(alarm).containsEntry("AlarmActions", List.of(Map.of("Ref", "AlarmTopic"))));
    }

    @Test
    void thePolicyReadsTheSecretAndInvokesTheListedBedrockModelsOnlyWhenThereAreAny() {
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            List<?> policies = (List<?>) function.get("Policies");
            assertThat(policies).hasSize(1);
            List<?> statements = (List<?>) map(policies.getFirst()).get("Statement");

            assertThat(statements).hasSize(3);
            assertThat(map(statements.getFirst())).containsEntry("Effect", "Allow")
                    .containsEntry("Action", "secretsmanager:GetSecretValue")
                    .containsEntry("Resource", Map.of("Ref", "SecretArn"));
            assertThat(map(statements.get(1))).containsEntry("Fn::If", List.of("HasBedrockModels",
                    Map.of("Sid", "InvokeTheListedBedrockModelsOnly", "Effect", "Allow",
                            "Action", "bedrock:InvokeModel", "Resource", Map.of("Ref", "BedrockModelArns")),
                    Map.of("Ref", "AWS::NoValue")));
            assertThat(map(statements.get(2))).containsEntry("Fn::If", List.of("HasOpenSearchDomain",
                    Map.of("Sid", "CallTheOpenSearchDomainOnly", "Effect", "Allow",
                            "Action", List.of("es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut",
                                    "es:ESHttpDelete"),
                            "Resource", Map.of("Fn::Join", List.of("", List.of(Map.of("Ref", "OpenSearchDomainArn"),
                                    "/*")))),
                    Map.of("Ref", "AWS::NoValue")));
        }
        assertThat(map(map(template.get("Parameters")).get("OpenSearchDomainArn"))).containsEntry("Type", "String")
                .containsEntry("Default", "");
        assertThat(map(template.get("Parameters"))).containsKey("SecretArn");
        assertThat(map(map(template.get("Parameters")).get("BedrockModelArns")))
                .containsEntry("Type", "CommaDelimitedList").containsEntry("Default", "");
    }

    @Test
    void withNoBedrockModelsListedTheTranslatedRolesOnlyReadTheSecret() throws Exception {
        Map<String, List<Map<String, Object>>> statements = translatedFunctionRoleStatements(List.of());

        assertThat(statements).containsOnlyKeys("WatcherFunctionRole", "RetryFunctionRole");
        assertThat(statements.values()).allSatisfy(role -> assertThat(role).singleElement()
                .satisfies(statement -> assertThat(statement)
                        .containsEntry("Action", "secretsmanager:GetSecretValue")
                        .containsEntry("Resource", SECRET)));
    }

    @Test
    void withTwoBedrockModelsListedTheTranslatedRolesMayInvokeExactlyThose() throws Exception {
        List<String> arns = List.of(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
                "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0");

        Map<String, List<Map<String, Object>>> statements = translatedFunctionRoleStatements(arns);

        assertThat(statements).containsOnlyKeys("WatcherFunctionRole", "RetryFunctionRole");
        assertThat(statements.values()).allSatisfy(role -> {
            assertThat(role).hasSize(2);
            assertThat(role).filteredOn(statement -> String.valueOf(statement.get("Action")).startsWith("bedrock:"))
                    .singleElement().satisfies(statement -> assertThat(statement)
                            .containsEntry("Effect", "Allow")
                            .containsEntry("Action", "bedrock:InvokeModel")
                            .containsEntry("Resource", arns));
        });
    }

    @Test
    void withAnOpenSearchDomainGivenTheTranslatedRolesMayCallThatDomainsIndicesOnly() throws Exception {
        String domain = "arn:aws:es:eu-west-1:123456789012:domain/llm-queue";

        Map<String, List<Map<String, Object>>> statements = translatedFunctionRoleStatements(List.of(), domain);

        assertThat(statements).containsOnlyKeys("WatcherFunctionRole", "RetryFunctionRole");
        assertThat(statements.values()).allSatisfy(role -> {
            assertThat(role).hasSize(2);
            assertThat(role).filteredOn(statement -> String.valueOf(statement.get("Action")).contains("es:"))
                    .singleElement().satisfies(statement -> assertThat(statement)
                            .containsEntry("Effect", "Allow")
                            .containsEntry("Action", List.of("es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost",
                                    "es:ESHttpPut", "es:ESHttpDelete"))
                            .containsEntry("Resource", domain + "/*"));
        });
    }

    private static final String SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-watcher-AbCdEf";

    private Map<String, List<Map<String, Object>>> translatedFunctionRoleStatements(List<String> bedrockModelArns)
            throws Exception {
        return translatedFunctionRoleStatements(bedrockModelArns, "");
    }

    /** The SAM translator's IAM roles for the two functions, their statements with conditions and refs resolved. */
    private Map<String, List<Map<String, Object>>> translatedFunctionRoleStatements(List<String> bedrockModelArns,
                                                                                  String openSearchDomainArn)
            throws Exception {
        Map<String, Object> input = load(Path.of("template.yaml"));
        map(map(input.get("Globals")).get("Function")).put("CodeUri", "s3://llm-watcher-test/code.zip");
        Map<String, Object> translated = SamTranslator.translate(input, Map.of("SecretArn", SECRET,
                "BedrockModelArns", String.join(",", bedrockModelArns), "OpenSearchDomainArn", openSearchDomainArn));
        Map<String, Object> parameters = Map.of("SecretArn", SECRET,
                "BedrockModelArns", bedrockModelArns.isEmpty() ? List.of("") : bedrockModelArns,
                "OpenSearchDomainArn", openSearchDomainArn);
        ConditionResolver resolver = new ConditionResolver(parameters, map(translated.get("Conditions")));
        Map<String, List<Map<String, Object>>> statements = new LinkedHashMap<>();
        map(translated.get("Resources")).forEach((name, resource) -> {
            if ("AWS::IAM::Role".equals(map(resource).get("Type")) && name.endsWith("FunctionRole")) {
                List<Map<String, Object>> all = new ArrayList<>();
                for (Object policy : (List<?>) map(map(resource).get("Properties")).get("Policies")) {
                    Object document = resolver.resolve(map(policy).get("PolicyDocument"));
                    ((List<?>) map(document).get("Statement")).forEach(statement -> all.add(map(statement)));
                }
                statements.put(name, all);
            }
        });
        return statements;
    }

    @Test
    void schedulesAreSchedulerEventsWithExplicitInputAndParameterisedExpressions() {
        Map<String, Object> parameters = map(template.get("Parameters"));
        for (Map<String, Object> function : ofType("AWS::Serverless::Function").values()) {
            Map<String, Object> event = map(map(function.get("Events")).get("Schedule"));
            Map<String, Object> properties = map(event.get("Properties"));

            assertThat(event).containsEntry("Type", "ScheduleV2");
            assertThat(parameters).containsKey((String) map(properties.get("ScheduleExpression")).get("Ref"));
            assertThat(LambdaHarness.parse((String) properties.get("Input"))).containsKey("handler");
        }
        assertThat(map(parameters.get("WatcherSchedule"))).containsEntry("Default", "rate(1 minute)");
        assertThat(map(parameters.get("RetrySchedule"))).containsEntry("Default", "rate(15 minutes)");
    }

    @Test
    void theEmailSubscriptionExistsOnlyWhenAnAddressIsGiven() {
        Map<String, Object> subscription = map(resources().get("AlarmEmailSubscription"));

        assertThat(subscription).containsEntry("Condition", "HasAlarmEmail");
        assertThat(map(template.get("Conditions"))).containsEntry("HasAlarmEmail",
                Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "AlarmEmail"), "")))));
    }

    // The translated template: what CloudFormation gets.

    private static Map<String, Map<String, Object>> translatedOfType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        map(translated.get("Resources")).forEach((name, resource) -> {
            if (type.equals(map(resource).get("Type"))) {
                found.put(name, map(resource));
            }
        });
        return found;
    }

    private static Map<String, Object> properties(Map<String, Object> resource) {
        return map(resource.get("Properties"));
    }

    private static Map<String, Object> ref(String name) {
        return Map.of("Ref", name);
    }

    private static Map<String, Object> translatedResource(Map<String, Object> reference) {
        return map(map(translated.get("Resources")).get((String) reference.get("Ref")));
    }

    /** The resource a {@code Fn::GetAtt} reads from. */
    private static Map<String, Object> attributeOwner(Object getAtt) {
        List<?> resourceAndAttribute = (List<?>) map(getAtt).get("Fn::GetAtt");
        return map(map(translated.get("Resources")).get((String) resourceAndAttribute.getFirst()));
    }

    @Test
    void cfnLintFindsNoErrorWarningOrNotice() {
        Command result = Command.run(Path.of("."), Map.of(), Duration.ofMinutes(2),
                List.of("cfn-lint", TEMPLATE.toString()));

        assertThat(result.output()).as("cfn-lint's findings").isBlank();
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void bothFunctionsArePublishedWithSnapStartAndInvokedThroughTheirLiveAlias() {
        Map<String, Map<String, Object>> functions = translatedOfType("AWS::Lambda::Function");
        Map<String, Map<String, Object>> aliases = translatedOfType("AWS::Lambda::Alias");

        assertThat(functions).containsOnlyKeys("WatcherFunction", "RetryFunction");
        assertThat(functions.values()).allSatisfy(function -> assertThat(properties(function))
                .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"))
                .containsEntry("Runtime", "java25"));
        assertThat(aliases).containsOnlyKeys("WatcherFunctionAliaslive", "RetryFunctionAliaslive");
        aliases.forEach((name, alias) -> {
            String function = name.replace("Aliaslive", "");
            assertThat(properties(alias)).containsEntry("Name", "live").containsEntry("FunctionName", ref(function));
            Map<String, Object> version = attributeOwner(properties(alias).get("FunctionVersion"));
            assertThat(version).containsEntry("Type", "AWS::Lambda::Version");
            assertThat(properties(version)).containsEntry("FunctionName", ref(function));
        });
    }

    @Test
    void schedulesAreNamedAfterTheStackAndInvokeTheAliasesWithoutRetries() {
        Map<String, Map<String, Object>> schedules = translatedOfType("AWS::Scheduler::Schedule");

        assertThat(schedules).hasSize(2);
        assertThat(schedules.values()).extracting(schedule -> properties(schedule).get("Name"))
                .containsExactlyInAnyOrder(Map.of("Fn::Sub", "${AWS::StackName}-watcher"), Map.of("Fn::Sub", "${AWS::StackName}-retry"));
        assertThat(schedules.values()).allSatisfy(schedule -> {
            Map<String, Object> target = map(properties(schedule).get("Target"));
            assertThat(translatedResource(map(target.get("Arn")))).containsEntry("Type", "AWS::Lambda::Alias");
            assertThat(target).containsEntry("RetryPolicy", Map.of("MaximumRetryAttempts", 0));
        });
    }

    @Test
    void failedOrStaleAsynchronousInvocationsAreNeitherRetriedNorKept() {
        Map<String, Map<String, Object>> configs = translatedOfType("AWS::Lambda::EventInvokeConfig");

        assertThat(configs.values()).extracting(config -> properties(config).get("FunctionName"))
                .containsExactlyInAnyOrder(ref("WatcherFunction"), ref("RetryFunction"));
        assertThat(configs.values()).allSatisfy(config -> assertThat(properties(config))
                .containsEntry("Qualifier", "live")
                .containsEntry("MaximumRetryAttempts", 0)
                .containsEntry("MaximumEventAgeInSeconds", 60));
    }

    @Test
    void theWatcherMayInvokeItselfAndNothingElseForMoreDrainersOnlyWhenMaxDrainersIsAboveOne() {
        Map<String, Object> resources = map(translated.get("Resources"));
        Map<String, Object> policy = map(resources.get("WatcherFanOutPolicy"));

        assertThat(policy).containsEntry("Type", "AWS::IAM::Policy").containsEntry("Condition", "FansOut");
        assertThat(map(translated.get("Conditions"))).containsEntry("FansOut",
                Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("MaxDrainers"), 1)))));
        assertThat(properties(policy)).containsEntry("Roles", List.of(ref("WatcherFunctionRole")));
        assertThat((List<?>) map(properties(policy).get("PolicyDocument")).get("Statement")).singleElement()
                .satisfies(statement -> assertThat(map(statement))
                        .containsEntry("Action", "lambda:InvokeFunction")
                        .containsEntry("Resource", List.of(Map.of("Fn::GetAtt", List.of("WatcherFunction", "Arn")),
                                Map.of("Fn::Sub", "${WatcherFunction.Arn}:*"))));
        assertThat(resources).containsKey("WatcherFunctionRole");
        Map<String, Object> watcherVariables = map(map(properties(map(resources.get("WatcherFunction")))
                .get("Environment")).get("Variables"));
        Map<String, Object> retryVariables = map(map(properties(map(resources.get("RetryFunction")))
                .get("Environment")).get("Variables"));
        assertThat(watcherVariables).containsEntry("LLM_WATCHER_MAX_DRAINERS", ref("MaxDrainers"));
        assertThat(retryVariables).doesNotContainKey("LLM_WATCHER_MAX_DRAINERS");
        assertThat(map(map(translated.get("Parameters")).get("MaxDrainers"))).containsEntry("Default", 10)
                .containsEntry("MinValue", 1);
    }

    @Test
    void reservedConcurrencyIsOptionalAndUnreservedByDefault() {
        Map<String, Object> parameter = map(map(translated.get("Parameters")).get("MaxConcurrentExecutions"));

        assertThat(parameter).containsEntry("Default", "");
        assertThat(map(translated.get("Conditions"))).containsEntry("HasReservedConcurrency",
                Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(ref("MaxConcurrentExecutions"), "")))));
        assertThat(translatedOfType("AWS::Lambda::Function").values()).allSatisfy(function ->
                assertThat(properties(function)).containsEntry("ReservedConcurrentExecutions", Map.of("Fn::If",
                        List.of("HasReservedConcurrency", ref("MaxConcurrentExecutions"), NO_VALUE))));
    }

    @Test
    void bothFunctionsJoinTheVpcOnlyWhenSubnetsAreGiven() {
        Map<String, Object> parameters = map(translated.get("Parameters"));

        assertThat(List.of("SubnetIds", "SecurityGroupIds")).allSatisfy(name -> assertThat(map(parameters.get(name)))
                .containsEntry("Type", "CommaDelimitedList").containsEntry("Default", ""));
        assertThat(map(translated.get("Conditions"))).containsEntry("InVpc", Map.of("Fn::Not", List.of(Map.of(
                "Fn::Equals", List.of(Map.of("Fn::Join", List.of("", ref("SubnetIds"))), "")))));
        assertThat(map(translated.get("Rules"))).containsKey("SecurityGroupsWithSubnets");
        assertThat(translatedOfType("AWS::Lambda::Function").values()).allSatisfy(function -> {
            assertThat(properties(function)).containsEntry("VpcConfig", Map.of("Fn::If", List.of("InVpc",
                    Map.of("SubnetIds", ref("SubnetIds"), "SecurityGroupIds", ref("SecurityGroupIds")), NO_VALUE)));
            Map<String, Object> role = attributeOwner(properties(function).get("Role"));
            assertThat(properties(role).get("ManagedPolicyArns").toString())
                    .contains("service-role/AWSLambdaVPCAccessExecutionRole");
        });
    }

    @Test
    void logsAreJsonAtTheParameterisedLevelInGroupsThatExistBeforeTheFunctions() {
        Map<String, Map<String, Object>> logGroups = translatedOfType("AWS::Logs::LogGroup");
        List<String> functionNames = List.copyOf(translatedOfType("AWS::Lambda::Function").keySet());

        assertThat(map(map(translated.get("Parameters")).get("ApplicationLogLevel")))
                .containsEntry("Default", "INFO");
        assertThat(translatedOfType("AWS::Lambda::Function").values()).allSatisfy(function -> {
            Map<String, Object> logging = map(properties(function).get("LoggingConfig"));
            assertThat(logging).containsEntry("LogFormat", "JSON")
                    .containsEntry("ApplicationLogLevel", ref("ApplicationLogLevel"));
            assertThat(logGroups).containsKey((String) map(logging.get("LogGroup")).get("Ref"));
        });
        assertThat(logGroups.values()).as("a log group that needs a function is created after it, racing the "
                + "log group Lambda creates when SnapStart initialises the version").allSatisfy(group -> {
                    assertThat(group).doesNotContainKey("DependsOn");
                    assertThat(functionNames).allSatisfy(name ->
                            assertThat(group.toString()).doesNotContain(name));
                });
    }

    /** Metric name to the dimension sets the handlers emit it with, from the EMF lines of a run that did it all. */
    @SuppressWarnings("unchecked")
    private static Map<String, Set<Set<String>>> emittedDimensions() {
        RunReport report = new RunReport(3, 2, 1, 1, 0, 0, 4, Map.of("llama3.3", new TokenUsage(10, 2)),
                LatencyStats.ofMillis(new long[] {120, 80}), Duration.ofSeconds(3), Optional.empty())
                .withBatch(new BatchReport(5, 1, 2, 0, 0, Map.of("gpt-4o-mini", new TokenUsage(30, 6)),
                        List.of(new BatchReport.OpenBatch("batch_1", "s-1", 5, Duration.ofHours(2), "in_progress",
                                new ProviderBatch.RequestCounts(5, 1, 0)))))
                .withBudgets(List.of(new ModelBudget(new BudgetUse("llama3.3", 1_000, 990, 0, 12, true), 3)));
        Map<String, Set<Set<String>>> emitted = new TreeMap<>();
        for (Selection selection : Selection.values()) {
            for (String line : EmfMetrics.lines("fn", "llm-queue", selection, report, Duration.ofSeconds(5),
                    Instant.now(), "request-1")) {
                List<?> directives = (List<?>) map(LambdaHarness.parse(line).get("_aws")).get("CloudWatchMetrics");
                directives.stream().map(SamTemplateTest::map).forEach(directive -> {
                    assertThat(directive).containsEntry("Namespace", Metric.NAMESPACE);
                    for (Object declared : (List<?>) directive.get("Metrics")) {
                        for (Object dimensions : (List<?>) directive.get("Dimensions")) {
                            emitted.computeIfAbsent((String) map(declared).get("Name"), k -> new HashSet<>())
                                    .add(Set.copyOf((List<String>) dimensions));
                        }
                    }
                });
            }
        }
        return emitted;
    }

    /** Every metric an alarm watches, as CloudFormation gets it: plain alarms and metric-math queries alike. */
    private static List<Map<String, Object>> alarmMetrics(Map<String, Object> alarm) {
        List<Map<String, Object>> metrics = new ArrayList<>();
        Map<String, Object> properties = properties(alarm);
        if (properties.containsKey("MetricName")) {
            metrics.add(properties);
        }
        if (properties.get("Metrics") instanceof List<?> queries) {
            queries.stream().map(q -> map(q).get("MetricStat")).filter(stat -> stat != null)
                    .forEach(stat -> metrics.add(map(map(stat).get("Metric"))));
        }
        return metrics;
    }

    @Test
    void alarmsWatchExactlyTheMetricNamesAndDimensionsTheCodeEmits() {
        Map<String, Set<Set<String>>> emitted = emittedDimensions();
        List<Map<String, Object>> watched = translatedOfType("AWS::CloudWatch::Alarm").values().stream()
                .flatMap(alarm -> alarmMetrics(alarm).stream()).toList();

        assertThat(emitted).containsKeys(Metric.LLM_LATENCY.metricName(), Metric.DOCUMENTS_FAILED.metricName());
        assertThat(watched).isNotEmpty().allSatisfy(metric -> {
            List<Map<String, Object>> dimensions = ((List<?>) metric.get("Dimensions")).stream()
                    .map(SamTemplateTest::map).toList();
            Map<String, Object> functionName = dimensions.stream()
                    .filter(d -> Metric.FUNCTION_DIMENSION.equals(d.get("Name"))).findFirst().orElseThrow();
            assertThat(translatedResource(map(functionName.get("Value"))))
                    .as("the function itself, whose name the handler's context reports, not its alias")
                    .containsEntry("Type", "AWS::Lambda::Function");
            if (Metric.NAMESPACE.equals(metric.get("Namespace"))) {
                Set<String> names = dimensions.stream().map(d -> (String) d.get("Name")).collect(Collectors.toSet());
                assertThat(emitted).as("metric %s", metric.get("MetricName"))
                        .hasEntrySatisfying((String) metric.get("MetricName"),
                                sets -> assertThat(sets).contains(names));
                assertThat(dimensions).contains(Map.of("Name", Metric.QUEUE_DIMENSION, "Value", ref("WatchIndex")));
            } else {
                assertThat(metric).containsEntry("Namespace", "AWS/Lambda");
                assertThat((String) metric.get("MetricName")).isIn("Errors", "Throttles");
            }
        });
        assertThat(watched).extracting(m -> m.get("MetricName")).contains(Metric.DOCUMENTS_FAILED.metricName(),
                Metric.OLDEST_QUEUED_AGE.metricName(), Metric.OLDEST_BATCH_AGE.metricName(), "Errors", "Throttles");
    }

    @Test
    void alarmsFireOnSustainedTroubleOnlyAndNeverMailOk() {
        Map<String, Map<String, Object>> alarms = translatedOfType("AWS::CloudWatch::Alarm");

        assertThat(alarms).isNotEmpty().allSatisfy((name, alarm) -> {
            Map<String, Object> properties = properties(alarm);
            assertThat(properties).as(name).doesNotContainKey("OKActions")
                    .containsEntry("AlarmActions", List.of(ref("AlarmTopic")));
            assertThat(((Number) properties.get("DatapointsToAlarm")).intValue()).as(name).isGreaterThanOrEqualTo(2);
            assertThat(((Number) properties.get("EvaluationPeriods")).intValue()).as(name)
                    .isGreaterThanOrEqualTo(((Number) properties.get("DatapointsToAlarm")).intValue());
        });
        assertThat(properties(alarms.get("DocumentsFailedAlarm"))).containsEntry("EvaluationPeriods", 6)
                .containsEntry("DatapointsToAlarm", 3);
    }

    @Test
    void bothFunctionsAreBuiltByTheMakefileWithoutSamsMavenWorkflow() throws IOException {
        String makefile = Files.readString(Path.of("Makefile"));

        assertThat(translatedOfType("AWS::Lambda::Function")).allSatisfy((name, function) -> {
            assertThat(function).containsEntry("Metadata", Map.of("BuildMethod", "makefile"));
            assertThat(makefile).containsPattern("(?m)^[^#\\n]*\\bbuild-" + name + "\\b[^\\n]*:");
        });
    }

    /** {@code samconfig.toml}'s sections, each a map of its keys to their raw values. */
    private static Map<String, Map<String, String>> samconfigSections(List<String> lines) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        String section = "";
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.startsWith("[")) {
                section = trimmed.substring(1, trimmed.indexOf(']'));
            } else if (!trimmed.startsWith("#") && trimmed.contains("=")) {
                sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(
                        trimmed.substring(0, trimmed.indexOf('=')).strip(),
                        trimmed.substring(trimmed.indexOf('=') + 1).strip());
            }
        }
        return sections;
    }

    @Test
    void samconfigLetsNoPlaceholderDeployAndPointsOnlyAtFilesThatExist() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("samconfig.toml"));
        Map<String, Map<String, String>> sections = samconfigSections(lines);
        Map<String, Object> parameters = map(template.get("Parameters"));

        assertThat(sections).allSatisfy((name, keys) -> assertThat(keys).as(name)
                .doesNotContainKey("parameter_overrides"));
        assertThat(sections.get("default.deploy.parameters")).containsEntry("confirm_changeset", "true");
        assertThat(List.of("ElasticsearchUrl", "SecretArn")).allSatisfy(required ->
                assertThat(map(parameters.get(required))).as(required).doesNotContainKey("Default"));
        List<String> mentioned = lines.stream().filter(line -> line.strip().startsWith("#"))
                .flatMap(line -> Pattern.compile("[\\w./-]+\\.(?:md|ya?ml|json|toml)\\b").matcher(line).results())
                .map(match -> match.group()).toList();
        assertThat(mentioned).allSatisfy(file -> assertThat(Path.of(file)).as("named in a comment").exists());
    }

    /**
     * The index privileges of the README's role example that let the watcher write answers (those with {@code
     * index}), as the comma-separated patterns a user gives {@code AllowedTargetIndices}.
     */
    @SuppressWarnings("unchecked")
    private static String readmeRoleTargetPatterns() throws IOException {
        String section = Files.readString(Path.of("README.md")).split("### 2\\. Give the function an Elasticsearch "
                + "role")[1];
        String json = section.substring(section.indexOf('{', section.indexOf("POST /_security/role/")),
                section.indexOf("```", section.indexOf("POST /_security/role/")));
        Map<String, Object> role = LambdaHarness.JSON.readValue(json, new TypeReference<>() { });
        return ((List<Map<String, Object>>) role.get("indices")).stream()
                .filter(entry -> ((List<String>) entry.get("privileges")).contains("index"))
                .flatMap(entry -> ((List<String>) entry.get("names")).stream())
                .collect(Collectors.joining(","));
    }

    @Test
    void allowedTargetIndicesDefaultsToTheReadmeRolesTargetPatternsSoBothSayTheSameThing() throws IOException {
        Map<String, Object> parameter = map(map(translated.get("Parameters")).get("AllowedTargetIndices"));

        assertThat(parameter.get("Default")).isEqualTo(readmeRoleTargetPatterns()).isEqualTo("my-index*");
        assertThat(IndexPatterns.parse((String) parameter.get("Default")).matches("my-index-2025")).isTrue();
        assertThat(map(globalFunction().get("Environment")).get("Variables")).asInstanceOf(MAP)
                .containsEntry(Setting.ALLOWED_TARGET_INDICES.variable(), Map.of("Ref", "AllowedTargetIndices"));
    }

    @Test
    void theAnswerPolicyParametersDefaultToTheSettingsDefaultsAndCannotBeOutOfRange() {
        Map<String, Object> parameters = map(translated.get("Parameters"));
        Map<String, Setting> bySetting = Map.of("UndeclaredFields", Setting.UNDECLARED_FIELDS,
                "MaxAnswerBytes", Setting.MAX_ANSWER_BYTES, "MaxAnswerFields", Setting.MAX_ANSWER_FIELDS);

        bySetting.forEach((name, setting) -> assertThat(String.valueOf(map(parameters.get(name)).get("Default")))
                .as(name).isEqualTo(setting.defaultValue().orElseThrow()));
        assertThat(map(parameters.get("UndeclaredFields"))).containsEntry("AllowedValues", List.of("drop", "fail"));
        assertThat(map(parameters.get("MaxAnswerBytes"))).containsEntry("MinValue", 1);
        assertThat(map(parameters.get("MaxAnswerFields"))).containsEntry("MinValue", 1);
    }
}
