using LlmCompiler.Build.Tasks;
using LlmCompiler.Llm;

namespace LlmCompiler.Build.Tests;

[TestClass]
public sealed class LlmcSettingsParserTests
{
    private const string ProjectDirectory = "/src/product";

    private static LlmcRawSettings Raw(string? model = null, string? endpoint = null, string? keyEnv = null, string? mode = null,
        string? cassettes = null, string? attempts = null, string? timeout = null, string? cost = null) =>
        new(model, endpoint, keyEnv, mode, cassettes, attempts, timeout, cost, null, null);

    [TestMethod]
    public void Empty_properties_mean_engine_defaults()
    {
        var (settings, diagnostics) = LlmcSettingsParser.Parse(Raw(), ProjectDirectory);

        Assert.AreEqual(0, diagnostics.Count);
        Assert.AreEqual(LlmMode.Auto, settings.Mode);
        Assert.AreEqual("OPENAI_API_KEY", settings.ApiKeyEnvironmentVariable);
        Assert.IsNull(settings.Model);
        Assert.IsNull(settings.Endpoint);
        Assert.IsNull(settings.MaxAttempts);
        Assert.IsNull(settings.MaxCostUsd);
    }

    [TestMethod]
    public void Valid_values_are_parsed_and_paths_made_absolute()
    {
        var (settings, diagnostics) = LlmcSettingsParser.Parse(
            Raw("gpt-x", "http://localhost:11434/v1/", "OLLAMA_KEY", "Replay", "llmc/cassettes/", "3", "600", "0.75"), ProjectDirectory);

        Assert.AreEqual(0, diagnostics.Count, string.Join("\n", diagnostics));
        Assert.AreEqual(LlmMode.Replay, settings.Mode);
        Assert.AreEqual(new Uri("http://localhost:11434/v1/"), settings.Endpoint);
        Assert.AreEqual("OLLAMA_KEY", settings.ApiKeyEnvironmentVariable);
        Assert.AreEqual(Path.GetFullPath("/src/product/llmc/cassettes/"), settings.CassettesDirectory);
        Assert.AreEqual((3, 600, 0.75m), (settings.MaxAttempts, settings.TimeoutSeconds, settings.MaxCostUsd));

        var llm = settings.ToLlmSettings("/src/product", out _);
        Assert.AreEqual(Path.Combine("/src/product", ".llmc", "ledger.jsonl"), llm.LedgerPath, "every front-end appends to the repository's one ledger");
        Assert.IsNull(settings.ToLlmSettings(null, out _).LedgerPath);
        Assert.AreEqual(0, llm.Validate(_ => null).Count, string.Join("\n", llm.Validate(_ => null)));
        Assert.AreEqual(("gpt-x", LlmMode.Replay, "OLLAMA_KEY"), (llm.Model, llm.Mode, llm.ApiKeyEnvironmentVariable));
    }

    [TestMethod]
    public void Unset_model_keeps_the_engine_default()
    {
        var (settings, _) = LlmcSettingsParser.Parse(Raw(), ProjectDirectory);

        Assert.AreEqual(new LlmSettings().Model, settings.ToLlmSettings(null, out _).Model);
    }

    [TestMethod]
    [DataRow("fast", "LlmcMode")]
    [DataRow("7", "LlmcMode")]
    [DataRow("ftp://example.com/", "LlmcEndpoint")]
    [DataRow("api.openai.com/v1", "LlmcEndpoint")]
    public void Bad_mode_or_endpoint_is_E500_naming_the_property(string value, string property)
    {
        var raw = property == "LlmcMode" ? Raw(mode: value) : Raw(endpoint: value);

        var (_, diagnostics) = LlmcSettingsParser.Parse(raw, ProjectDirectory);

        var d = diagnostics.Single();
        Assert.AreEqual("E500", d.Code);
        StringAssert.StartsWith(d.Message, property + ":");
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("-1")]
    [DataRow("three")]
    [DataRow("1e3")]
    public void Attempts_must_be_a_positive_whole_number(string value)
    {
        var (settings, diagnostics) = LlmcSettingsParser.Parse(Raw(attempts: value), ProjectDirectory);

        Assert.AreEqual("E500", diagnostics.Single().Code);
        Assert.IsNull(settings.MaxAttempts);
    }

    [TestMethod]
    public void Cost_uses_the_invariant_culture_and_rejects_negatives()
    {
        Assert.AreEqual("E500", LlmcSettingsParser.Parse(Raw(cost: "0,5"), ProjectDirectory).Diagnostics.Single().Code);
        Assert.AreEqual("E500", LlmcSettingsParser.Parse(Raw(cost: "-1"), ProjectDirectory).Diagnostics.Single().Code);
    }

    [TestMethod]
    public void A_key_pasted_into_LlmcApiKeyEnv_is_rejected_without_being_echoed()
    {
        const string pasted = "sk-CANARY-0123456789abcdef";

        var (settings, diagnostics) = LlmcSettingsParser.Parse(Raw(keyEnv: pasted), ProjectDirectory);

        var d = diagnostics.Single();
        Assert.AreEqual("E500", d.Code);
        Assert.IsFalse(d.Message.Contains(pasted, StringComparison.Ordinal), d.Message);
        Assert.AreEqual("OPENAI_API_KEY", settings.ApiKeyEnvironmentVariable);
    }

    [TestMethod]
    [DataRow("DOTNET_OPENAI_KEY")]
    [DataRow("MSBuildKey")]
    [DataRow("COMPlus_Key")]
    public void Key_variables_that_binlogs_always_record_are_refused(string name)
    {
        var (_, diagnostics) = LlmcSettingsParser.Parse(Raw(keyEnv: name), ProjectDirectory);

        Assert.AreEqual("E500", diagnostics.Single().Code);
    }

    [TestMethod]
    public void Credentials_in_the_endpoint_are_refused_without_being_echoed()
    {
        var (settings, diagnostics) = LlmcSettingsParser.Parse(Raw(endpoint: "https://user:sk-SECRET@example.com/v1/"), ProjectDirectory);

        Assert.IsNull(settings.Endpoint);
        Assert.IsFalse(diagnostics.Single().Message.Contains("sk-SECRET", StringComparison.Ordinal));
    }
}
