using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

[TestClass]
public sealed class JsonPayloadTests
{
    private const string Object = "{\"a\": [1, 2, {\"b\": \"}\"}]}";

    private static JsonPayloadMatch Accept(string text)
    {
        var (match, error) = JsonPayload.Extract(text);
        Assert.IsNull(error, error?.Message);
        return match!;
    }

    private static Diagnostic Reject(string text, string code = "E303")
    {
        var (match, error) = JsonPayload.Extract(text);
        Assert.IsNull(match, $"accepted: {match?.Json}");
        Assert.AreEqual(code, error!.Code);
        return error;
    }

    [TestMethod]
    public void Bare_object_is_returned_with_its_offset()
    {
        var match = Accept("  \n" + Object + "\n");

        Assert.AreEqual(Object, match.Json);
        Assert.AreEqual(3, match.Offset);
        Assert.AreEqual(new SourcePosition(2, 1), match.Position);
        Assert.AreEqual(JsonPayloadForm.Bare, match.Form);
        Assert.IsFalse(match.HadLeadingProse || match.HadTrailingProse);
    }

    [TestMethod]
    [DataRow("```json\n{0}\n```")]
    [DataRow("```JSON\n{0}\n```\n")]
    [DataRow("```\n{0}\n```")]
    [DataRow("```json\n{0}```")]
    public void One_fenced_block_is_unwrapped(string template)
    {
        var text = template.Replace("{0}", Object, StringComparison.Ordinal);

        var match = Accept(text);

        Assert.AreEqual(Object, match.Json);
        Assert.AreEqual(JsonPayloadForm.Fenced, match.Form);
        Assert.AreEqual(text.IndexOf(Object, StringComparison.Ordinal), match.Offset);
    }

    [TestMethod]
    public void One_leading_prose_line_and_trailing_prose_are_accepted()
    {
        var text = "Here is the plan you asked for:\n\n```json\n" + Object + "\n```\nLet me know if you need changes.";

        var match = Accept(text);

        Assert.AreEqual(Object, match.Json);
        Assert.IsTrue(match.HadLeadingProse);
        Assert.IsTrue(match.HadTrailingProse);
        Assert.AreEqual(new SourcePosition(4, 1), match.Position);
    }

    [TestMethod]
    public void Leading_prose_before_a_bare_object_is_accepted()
    {
        var match = Accept("Sure.\n" + Object + "\nHope this helps.");

        Assert.AreEqual(Object, match.Json);
        Assert.AreEqual(6, match.Offset);
    }

    [TestMethod]
    public void Non_ascii_text_keeps_character_offsets()
    {
        var json = "{\"name\": \"Zoë — ✓\"}";

        var match = Accept("Voilà :\n" + json + " fin");

        Assert.AreEqual(json, match.Json);
        Assert.AreEqual(8, match.Offset);
    }

    [TestMethod]
    [DataRow("Line one.\nLine two.\n{\"a\": 1}", DisplayName = "two prose lines")]
    [DataRow("Here: {\"a\": 1}", DisplayName = "prose on the object's line")]
    [DataRow("{\"a\": 1}\n{\"b\": 2}", DisplayName = "two objects")]
    [DataRow("```json\n{\"a\": 1}\n```\n```json\n{\"b\": 2}\n```", DisplayName = "two fenced blocks")]
    [DataRow("```json\n{\"a\": 1}\n{\"b\": 2}\n```", DisplayName = "two objects in one fence")]
    [DataRow("```python\n{\"a\": 1}\n```", DisplayName = "fence of another language")]
    [DataRow("```json\n{\"a\": 1}", DisplayName = "unclosed fence")]
    [DataRow("```json\n{\"a\": 1}\n``` and more", DisplayName = "text after the closing fence")]
    [DataRow("[1, 2]", DisplayName = "array")]
    [DataRow("just words", DisplayName = "no JSON")]
    [DataRow("The answer is {\"a\": 1} here", DisplayName = "object inside a sentence")]
    [DataRow("{\"a\": 1}\n[2]", DisplayName = "array after the object")]
    public void Other_shapes_are_rejected(string text) => Reject(text);

    [TestMethod]
    [DataRow("")]
    [DataRow("  \n\t")]
    public void Empty_is_rejected(string text) => StringAssert.Contains(Reject(text).Message, "empty");

    [TestMethod]
    [DataRow("{\"a\": 1,}", DisplayName = "trailing comma")]
    [DataRow("{\"a\": 1 /* c */}", DisplayName = "comment")]
    [DataRow("{\"a\": 1, \"a\": 2}", DisplayName = "duplicate property")]
    [DataRow("{'a': 1}", DisplayName = "single quotes")]
    [DataRow("{\"a\": 1", DisplayName = "unterminated")]
    public void Loose_json_is_rejected(string text) => Reject(text);

    [TestMethod]
    public void Malformed_points_at_the_line_in_the_answer()
    {
        var error = Reject("Here it is:\n{\n  \"a\": 1,\n  \"b\": oops\n}");

        Assert.AreEqual(4, error.Line);
        Assert.IsTrue(error.Column > 1);
        StringAssert.Contains(error.Message, "malformed");
    }

    [TestMethod]
    public void Too_deep_is_rejected()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70);

        Reject(deep);
    }

    [TestMethod]
    public void Over_ten_MiB_is_E307()
    {
        var huge = "{\"a\": \"" + new string('x', (10 * 1024 * 1024) + 1) + "\"}";

        Reject(huge, "E307");
    }

    [TestMethod]
    public void Position_of_counts_lines_and_columns_from_one()
    {
        Assert.AreEqual(new SourcePosition(1, 1), JsonPayload.PositionOf("abc", 0));
        Assert.AreEqual(new SourcePosition(2, 3), JsonPayload.PositionOf("a\nbcd", 4));
    }
}

[TestClass]
public sealed class LlmSettingsTests
{
    [TestMethod]
    [DataRow("live", LlmMode.Live)]
    [DataRow("RECORD", LlmMode.Record)]
    [DataRow(" replay ", LlmMode.Replay)]
    [DataRow("auto", LlmMode.Auto)]
    public void Mode_parses(string text, LlmMode expected)
    {
        Assert.IsTrue(LlmSettings.TryParseMode(text, out var mode));
        Assert.AreEqual(expected, mode);
        Assert.AreEqual(expected.ToString().ToLowerInvariant(), LlmSettings.FormatMode(mode));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("playback")]
    [DataRow(null)]
    public void Mode_rejects_other_words(string? text) => Assert.IsFalse(LlmSettings.TryParseMode(text, out _));

    [TestMethod]
    public void Defaults_are_valid() => Assert.AreEqual(0, new LlmSettings().Validate(_ => null).Count);

    [TestMethod]
    public void Bad_values_are_E500_naming_each_setting()
    {
        var settings = new LlmSettings
        {
            Model = " ",
            Endpoint = new Uri("ftp://example.com/"),
            ApiKeyEnvironmentVariable = "sk-looks-like-a-key",
            Temperature = 3f,
            MaxOutputTokens = 0,
            Mode = LlmMode.Replay,
            CassettesDirectory = null,
            MaxCostUsd = -1,
            MaxTokens = -1,
            NetworkTimeout = TimeSpan.Zero,
            CallDeadline = TimeSpan.FromSeconds(-1),
            MaxRetries = 11,
            RetryAfterCap = TimeSpan.FromSeconds(-1),
            RetryBaseDelay = TimeSpan.FromSeconds(-1),
        };

        var errors = settings.Validate(_ => null);

        Assert.IsTrue(errors.All(e => e.Code == "E500"));
        CollectionAssert.AreEquivalent(
            new[]
            {
                "Model", "Endpoint", "ApiKeyEnvironmentVariable", "Temperature", "MaxOutputTokens", "CassettesDirectory",
                "MaxCostUsd", "MaxTokens", "NetworkTimeout", "CallDeadline", "MaxRetries", "RetryAfterCap", "RetryBaseDelay",
            },
            errors.Select(e => e.Field).ToArray());
        Assert.IsFalse(errors.Any(e => e.Message.Contains("sk-looks-like-a-key", StringComparison.Ordinal) && e.Field != "ApiKeyEnvironmentVariable"));
    }

    [TestMethod]
    public void Create_session_with_bad_settings_returns_diagnostics_instead_of_throwing()
    {
        var (session, errors) = LlmSession.Create(new LlmSettings { MaxOutputTokens = -5 }, environment: _ => null);

        Assert.IsNull(session);
        Assert.AreEqual("E500", errors.Single().Code);
    }

    [TestMethod]
    public void Endpoint_with_credentials_is_E500_and_the_credentials_are_not_echoed()
    {
        var errors = new LlmSettings { Endpoint = new Uri("https://user:sk-secret-in-url@example.com/v1") }.Validate(_ => null);

        Assert.AreEqual("E500", errors.Single().Code);
        Assert.IsFalse(errors.Single().Message.Contains("sk-secret-in-url", StringComparison.Ordinal), errors.Single().Message);
    }

    [TestMethod]
    public void Bad_endpoint_variable_is_E500()
    {
        var errors = new LlmSettings().Validate(name => name == LlmSettings.EndpointVariable ? "not a url" : null);

        Assert.AreEqual("E500", errors.Single().Code);
        StringAssert.Contains(errors.Single().Message, LlmSettings.EndpointVariable);
    }

    [TestMethod]
    public void Endpoint_is_resolved_in_order_explicit_then_llmc_then_open_ai_then_default()
    {
        var env = new Dictionary<string, string>
        {
            [LlmSettings.EndpointVariable] = "http://llmc.example/v1",
            [LlmSettings.OpenAiBaseUrlVariable] = "http://openai-base.example/v1",
        };
        string? Read(string name) => env.TryGetValue(name, out var v) ? v : null;

        Assert.AreEqual(new Uri("http://explicit.example/v1"), new LlmSettings { Endpoint = new Uri("http://explicit.example/v1") }.ResolveEndpoint(Read));
        Assert.AreEqual(new Uri("http://llmc.example/v1"), new LlmSettings().ResolveEndpoint(Read));
        env.Remove(LlmSettings.EndpointVariable);
        Assert.AreEqual(new Uri("http://openai-base.example/v1"), new LlmSettings().ResolveEndpoint(Read));
        env.Clear();
        Assert.AreEqual(LlmSettings.OpenAiEndpoint, new LlmSettings().ResolveEndpoint(Read));
    }

    [TestMethod]
    [DataRow("http://127.0.0.1:11434/v1", true)]
    [DataRow("http://127.8.9.10/v1", true)]
    [DataRow("http://localhost:1234/v1", true)]
    [DataRow("http://[::1]:8080/v1", true)]
    [DataRow("http://10.1.2.3/v1", true)]
    [DataRow("http://172.16.0.1/v1", true)]
    [DataRow("http://172.31.255.255/v1", true)]
    [DataRow("http://192.168.1.20:8000/v1", true)]
    [DataRow("http://gpu-box.local:8000/v1", true)]
    [DataRow("http://[fd00::1]/v1", true)]
    [DataRow("http://172.32.0.1/v1", false)]
    [DataRow("http://172.15.0.1/v1", false)]
    [DataRow("http://11.0.0.1/v1", false)]
    [DataRow("https://api.openai.com/v1", false)]
    [DataRow("https://localhost.evil.com/v1", false)]
    [DataRow("https://my.local.example.com/v1", false)]
    public void Private_endpoints_need_no_key(string url, bool expected) =>
        Assert.AreEqual(expected, LlmSettings.IsPrivateEndpoint(new Uri(url)));
}
