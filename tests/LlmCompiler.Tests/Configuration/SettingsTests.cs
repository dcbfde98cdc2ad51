using LlmCompiler.Configuration;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Configuration;

/// <summary>
/// The one settings parser of <c>llmc</c> and the MSBuild tasks: the same values and defaults from either front-end,
/// and each problem an E500 naming the option or the property it came from, never echoing what could be a key.
/// </summary>
[TestClass]
public sealed class SettingsTests
{
    private const string ProjectDirectory = "/src/product";

    private static (LlmcOptions Options, IReadOnlyList<LlmCompiler.Diagnostics.Diagnostic> Errors) Parse(SettingsSource source, params (string Name, string Value)[] values) =>
        Settings.Parse(name => values.FirstOrDefault(v => v.Name == name).Value, source, ProjectDirectory);

    [TestMethod]
    public void Empty_settings_mean_the_engine_defaults_and_both_front_ends_agree_on_them()
    {
        var (cli, cliErrors) = Parse(SettingsSource.CommandLine);
        var (msbuild, msbuildErrors) = Parse(SettingsSource.MSBuild);

        Assert.IsEmpty(cliErrors);
        Assert.IsEmpty(msbuildErrors);
        var llm = cli.ToLlmSettings(null);
        Assert.AreEqual(new LlmSettings().Model, llm.Model);
        Assert.AreEqual(0f, llm.Temperature);
        Assert.AreEqual("OPENAI_API_KEY", llm.ApiKeyEnvironmentVariable);
        Assert.AreEqual(3, cli.Attempts);
        Assert.AreEqual(cli.Attempts, msbuild.Attempts);
        var factory = cli.ToFactoryOptions(llm);
        Assert.AreEqual(TimeSpan.FromSeconds(600), factory.CommandTimeout);
        Assert.AreEqual(llm.Temperature, factory.Temperature, "the summary records the temperature that is sent");
        Assert.AreEqual(llm.Model, factory.Model);
        // The one deliberate difference: the cassette mode and folder (documented in docs/settings.md).
        Assert.AreEqual(LlmMode.Live, cli.ResolvedMode);
        Assert.AreEqual(LlmMode.Auto, msbuild.ResolvedMode);
        Assert.IsNull(cli.ForRepository("/repo").CassettesDirectory);
        Assert.AreEqual(Path.Combine("/repo", "llmc/cassettes"), msbuild.ForRepository("/repo").CassettesDirectory);
    }

    [TestMethod]
    public void Valid_values_are_parsed_and_paths_made_absolute()
    {
        var (settings, errors) = Parse(SettingsSource.MSBuild,
            (Settings.Model, "gpt-x"), (Settings.Endpoint, "http://localhost:11434/v1/"), (Settings.ApiKeyEnv, "OLLAMA_KEY"),
            (Settings.Mode, "Replay"), (Settings.Cassettes, "llmc/cassettes/"), (Settings.MaxAttempts, "3"), (Settings.TimeoutSeconds, "600"),
            (Settings.MaxCostUsd, "0.75"), (Settings.Temperature, "0.2"), (Settings.PassEnvironment, "A;B_2"), (Settings.Rerun, "WO-01;wo-02"),
            (Settings.VerifyCommand, "dotnet test 'my tests.csproj'"));

        Assert.IsEmpty(errors, string.Join("\n", errors));
        Assert.AreEqual(LlmMode.Replay, settings.ResolvedMode);
        Assert.AreEqual(new Uri("http://localhost:11434/v1/"), settings.Endpoint);
        Assert.AreEqual(Path.GetFullPath("/src/product/llmc/cassettes/"), settings.CassettesDirectory);
        Assert.AreEqual((3, TimeSpan.FromSeconds(600), 0.75m, 0.2f), (settings.MaxAttempts!.Value, settings.CommandTimeout!.Value, settings.MaxCostUsd!.Value, settings.Temperature!.Value));
        CollectionAssert.AreEqual(new[] { "A", "B_2" }, settings.Sandbox.PassEnvironmentNames.ToArray());
        Assert.IsTrue(settings.Rerun.Contains("WO-02"), "work-order ids compare case-insensitively");
        CollectionAssert.AreEqual(new[] { "dotnet", "test", "my tests.csproj" }, settings.VerifyCommand!.ToArray());
        var llm = settings.ToLlmSettings("/src/product/.llmc/ledger.jsonl");
        Assert.AreEqual(0, llm.Validate(_ => null).Count, string.Join("\n", llm.Validate(_ => null)));
        Assert.AreEqual(("gpt-x", LlmMode.Replay, "OLLAMA_KEY", 0.2f), (llm.Model, llm.Mode, llm.ApiKeyEnvironmentVariable, llm.Temperature!.Value));
    }

    [TestMethod]
    [DataRow(Settings.Mode, "fast", "--llm-mode", "LlmcMode")]
    [DataRow(Settings.Endpoint, "ftp://example.com/", "--endpoint", "LlmcEndpoint")]
    [DataRow(Settings.Endpoint, "api.openai.com/v1", "--endpoint", "LlmcEndpoint")]
    [DataRow(Settings.MaxAttempts, "0", "--max-attempts", "LlmcMaxAttempts")]
    [DataRow(Settings.MaxAttempts, "11", "--max-attempts", "LlmcMaxAttempts")]
    [DataRow(Settings.MaxAttempts, "three", "--max-attempts", "LlmcMaxAttempts")]
    [DataRow(Settings.MaxAttempts, "1e3", "--max-attempts", "LlmcMaxAttempts")]
    [DataRow(Settings.MaxCostUsd, "0,5", "--max-cost-usd", "LlmcMaxCostUsd")]
    [DataRow(Settings.MaxCostUsd, "-1", "--max-cost-usd", "LlmcMaxCostUsd")]
    [DataRow(Settings.Temperature, "2.5", "--temperature", "LlmcTemperature")]
    [DataRow(Settings.Sandbox, "maybe", "--sandbox", "LlmcSandbox")]
    [DataRow(Settings.SandboxNetwork, "yes", "--sandbox-network", "LlmcSandboxNetwork")]
    [DataRow(Settings.PassEnvironment, "NOT A NAME", "--pass-env", "LlmcPassEnvironment")]
    [DataRow(Settings.PriceTable, "missing-prices.json", "--price-table", "LlmcPriceTable")]
    [DataRow(Settings.VerifyCommand, "dotnet test 'unclosed", "--verify-command", "LlmcVerifyCommand")]
    [DataRow(Settings.NetworkTimeoutSeconds, "0", "--network-timeout-seconds", "LlmcNetworkTimeoutSeconds")]
    public void A_bad_value_is_one_E500_naming_the_option_or_the_property(string name, string value, string option, string property)
    {
        var (_, cli) = Parse(SettingsSource.CommandLine, (name, value));
        var (_, msbuild) = Parse(SettingsSource.MSBuild, (name, value));

        Assert.AreEqual("E500", cli.Single().Code);
        StringAssert.StartsWith(cli.Single().Message, option + ":");
        Assert.AreEqual(option, cli.Single().Field);
        StringAssert.StartsWith(msbuild.Single().Message, property + ":");
        Assert.AreEqual(property, msbuild.Single().Field);
    }

    [TestMethod]
    public void A_key_pasted_as_the_key_variable_is_rejected_without_being_echoed()
    {
        const string pasted = "sk-CANARY-0123456789abcdef";

        var (settings, errors) = Parse(SettingsSource.MSBuild, (Settings.ApiKeyEnv, pasted));

        Assert.AreEqual("E500", errors.Single().Code);
        Assert.DoesNotContain(pasted, errors.Single().Message);
        Assert.AreEqual("OPENAI_API_KEY", settings.ApiKeyVariable);
    }

    [TestMethod]
    [DataRow("DOTNET_OPENAI_KEY")]
    [DataRow("MSBuildKey")]
    [DataRow("COMPlus_Key")]
    public void Key_variables_that_binlogs_always_record_are_refused(string name)
    {
        Assert.AreEqual("E500", Parse(SettingsSource.MSBuild, (Settings.ApiKeyEnv, name)).Errors.Single().Code);
    }

    [TestMethod]
    [DataRow("https://user:sk-SECRET@example.com/v1/")]
    [DataRow("https://sk-SECRET@example.com/v1/")]
    public void Credentials_in_the_endpoint_are_refused_without_being_echoed(string endpoint)
    {
        var (settings, errors) = Parse(SettingsSource.CommandLine, (Settings.Endpoint, endpoint));

        Assert.IsNull(settings.Endpoint);
        Assert.DoesNotContain("sk-SECRET", errors.Single().Message);
    }

    [TestMethod]
    public void Every_setting_has_an_option_or_a_property_and_a_placeholder_and_names_are_unique()
    {
        Assert.IsTrue(Settings.All.All(s => s.Option is not null || s.Property is not null));
        Assert.IsTrue(Settings.All.All(s => s.Placeholder.Length > 0 && s.Description.EndsWith('.')));
        Assert.AreEqual(Settings.All.Count, Settings.All.Select(s => s.Name).Distinct().Count());
        Assert.AreEqual(Settings.All.Count(s => s.Option is not null), Settings.All.Where(s => s.Option is not null).Select(s => s.Option).Distinct().Count());
        Assert.IsTrue(Settings.All.Where(s => s.Property is not null).All(s => s.Property!.StartsWith("Llmc", StringComparison.Ordinal)));
    }
}
