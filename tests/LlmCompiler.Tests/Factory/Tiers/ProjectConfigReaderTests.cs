using System.Text;
using LlmCompiler.Configuration;
using LlmCompiler.Configuration.Roles;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>llmc.json and LlmcRole items: what they bind, and every mistake a positioned diagnostic.</summary>
[TestClass]
public sealed class ProjectConfigReaderTests
{
    private const string Example = """
        { "roles": {
            "executor":   { "model": "qwen2.5-coder:32b", "endpoint": "http://localhost:11434/v1", "attempts": 3 },
            "escalation": { "model": "gpt-4.1", "attempts": 1 },
            "test_author":{ "model": "gpt-4.1", "api_key_env": "CONTOSO_KEY" },
            "reviewer":   { "model": "gpt-4.1-mini", "temperature": 0.1 } },
          "review": { "changed_files_over": 3, "changed_lines_over": 300, "always": ["**/*.csproj"] },
          "health": { "max_failed_attempts": 20, "max_failed_work_orders": 3 } }
        """;

    private static (ProjectConfig? Config, IReadOnlyList<LlmCompiler.Diagnostics.Diagnostic> Errors) Parse(string json) =>
        ProjectConfigReader.Parse("/repo/llmc.json", Encoding.UTF8.GetBytes(json));

    [TestMethod]
    public void The_issue_example_binds_every_role_the_review_and_the_health_budget()
    {
        var (config, errors) = Parse(Example);
        Assert.IsEmpty(errors);
        var executor = config!.Roles.Resolve(ModelRole.Executor, "default", 5);
        Assert.AreEqual("qwen2.5-coder:32b", executor.Model);
        Assert.AreEqual("http://localhost:11434/v1", executor.Endpoint!.OriginalString);
        Assert.AreEqual(3, executor.Attempts);
        Assert.AreEqual(("gpt-4.1", 1, true), (config.Roles.Resolve(ModelRole.Escalation, "default", 5).Model, config.Roles.Resolve(ModelRole.Escalation, "default", 5).Attempts, config.Roles.Resolve(ModelRole.Escalation, "default", 5).Bound));
        Assert.AreEqual("CONTOSO_KEY", config.Roles.Resolve(ModelRole.TestAuthor, "default", 5).ApiKeyVariable);
        Assert.AreEqual(0.1f, config.Roles.Resolve(ModelRole.Reviewer, "default", 5).Temperature);
        Assert.AreEqual("default", config.Roles.Resolve(ModelRole.Planner, "default", 5).Model, "an unbound role uses the run's model");
        Assert.IsTrue(config.Review.Enabled);
        CollectionAssert.AreEqual(new[] { "**/*.csproj" }, config.Review.Always.ToArray());
        Assert.AreEqual((20, 3, HealthLimits.DefaultMaxTransportFailures), (config.Health.MaxFailedAttempts, config.Health.MaxFailedWorkOrders, config.Health.MaxTransportFailures));
    }

    [TestMethod]
    public void Without_a_file_every_role_is_the_run_model_with_no_escalation_and_no_review()
    {
        var (config, errors) = ProjectConfigReader.Load(null, Path.Combine(Path.GetTempPath(), "no-such-repo-" + Guid.NewGuid()));
        Assert.IsEmpty(errors);
        Assert.AreSame(ProjectConfig.Default, config);
        Assert.IsFalse(config!.Roles.Resolve(ModelRole.Escalation, "m", 3).Bound);
        Assert.AreEqual(0, config.Roles.Resolve(ModelRole.Escalation, "m", 3).Attempts);
        Assert.IsFalse(config.Review.Enabled);
    }

    [TestMethod]
    [DataRow("{ \"roles\": { \"exeutor\": { \"model\": \"m\" } } }", 1, 14, "E227", "did you mean 'executor'")]
    [DataRow("{ \"roles\": { \"executor\": { \"modle\": \"m\" } } }", 1, 28, "E227", "did you mean 'model'")]
    [DataRow("{ \"roles\": { \"executor\": { \"attempts\": 0 } } }", 1, 40, "E227", "'attempts' must be a whole number from 1")]
    [DataRow("{ \"roles\": { \"executor\": { \"endpoint\": \"localhost:11434\" } } }", 1, 40, "E227", "absolute http")]
    [DataRow("{ \"roles\": { \"executor\": { \"api_key\": \"sk-live-123456\" } } }", 1, 28, "E227", "keys never go into llmc.json")]
    [DataRow("{ \"roles\": { \"executor\": { \"api_key_env\": \"sk-live-123456\" } } }", 1, 43, "E227", "not the key itself")]
    [DataRow("{ \"roles\": { \"executor\": { \"temperature\": 3 } } }", 1, 43, "E227", "from 0 to 2")]
    [DataRow("{ \"review\": { \"always\": \"**/*.csproj\" } }", 1, 25, "E227", "array of globs")]
    [DataRow("{ \"health\": { \"max_failed_attempts\": -1 } }", 1, 38, "E227", "at least 1")]
    [DataRow("{ \"roles\": [] }", 1, 12, "E227", "must be an object")]
    [DataRow("{ \"roles\": { \"executor\": { \"model\": \"m\" }, } }", 1, 44, "E226", "not valid JSON")]
    [DataRow("{\n  \"roles\": {\n    \"executor\": { \"model\": 5 }\n  }\n}", 3, 28, "E227", "non-empty string")]
    public void Every_mistake_is_a_diagnostic_at_its_line_and_column(string json, int line, int column, string code, string message)
    {
        var (config, errors) = Parse(json);
        Assert.IsNull(config);
        var error = errors.First();
        Assert.AreEqual(code, error.Code);
        Assert.AreEqual("/repo/llmc.json", error.File);
        Assert.AreEqual((line, column), (error.Line, error.Column), error.ToCanonicalString());
        StringAssert.Contains(error.Message, message);
        Assert.DoesNotContain("sk-live-123456", error.ToCanonicalString(), "a key in the file is never echoed");
    }

    [TestMethod]
    public void Role_items_override_the_file_field_by_field_and_turn_review_on()
    {
        var (config, _) = Parse("""{ "roles": { "executor": { "model": "file-model", "attempts": 4 } } }""");
        var (items, errors) = RoleItems.Parse("executor|Model=item-model|Endpoint=|ApiKeyEnv=|Temperature=|Attempts=;reviewer|Model=rev|Endpoint=|ApiKeyEnv=|Temperature=|Attempts=");
        Assert.IsEmpty(errors);
        var merged = config!.WithRoles(items);
        var executor = merged.Roles.Resolve(ModelRole.Executor, "d", 3);
        Assert.AreEqual(("item-model", 4), (executor.Model, executor.Attempts));
        Assert.IsTrue(merged.Review.Enabled);
    }

    [TestMethod]
    [DataRow("exec|Model=m", "unknown role")]
    [DataRow("executor|Endpoint=ftp://x", "Endpoint must be")]
    [DataRow("executor|Attempts=many", "Attempts 'many'")]
    [DataRow("executor|ApiKeyEnv=sk-123 456", "ApiKeyEnv must be the name")]
    [DataRow("executor|Colour=red", "unknown metadata 'Colour'")]
    public void Bad_role_items_are_E227_naming_the_item(string spec, string message)
    {
        var (_, errors) = RoleItems.Parse(spec);
        Assert.AreEqual("E227", errors.Single().Code);
        StringAssert.Contains(errors[0].Message, message);
        StringAssert.StartsWith(errors[0].Message, "LlmcRole '");
    }

    [TestMethod]
    public void Health_settings_override_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"llmc-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "health": { "max_failed_attempts": 7, "max_transport_failures": 2 } }""");
        try
        {
            var options = new LlmcOptions { ConfigFile = file, MaxFailedAttempts = 1 };
            var (config, errors) = options.LoadProjectConfig(null);
            Assert.IsEmpty(errors);
            Assert.AreEqual((1, HealthLimits.DefaultMaxFailedWorkOrders, 2), (config!.Health.MaxFailedAttempts, config.Health.MaxFailedWorkOrders, config.Health.MaxTransportFailures));
            Assert.AreEqual(file, config.SourcePath);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
