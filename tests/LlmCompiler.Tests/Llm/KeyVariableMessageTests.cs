using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

/// <summary>A key pasted where the key variable's name belongs must never be echoed by a diagnostic.</summary>
[TestClass]
public sealed class KeyVariableMessageTests
{
    [TestMethod]
    [DataRow("sk-proj-CANARY0123456789abcdef")]
    [DataRow("0123456789abcdef0123456789abcdef")]
    public void A_key_given_as_the_variable_name_is_not_echoed(string pasted)
    {
        var settings = new LlmSettings { ApiKeyEnvironmentVariable = pasted, Endpoint = new Uri("https://api.example.invalid/v1") };
        foreach (var d in settings.Validate(_ => null)) Assert.DoesNotContain(pasted, d.Message);
        Assert.DoesNotContain(pasted, LlmSettings.DescribeKeyVariable(pasted));
    }

    [TestMethod]
    [DataRow("OPENAI_API_KEY")]
    [DataRow("AZURE_OPENAI_API_KEY")]
    [DataRow("OLLAMAKEY")]
    public void Ordinary_variable_names_are_named(string name) =>
        Assert.AreEqual(name, LlmSettings.DescribeKeyVariable(name));
}
