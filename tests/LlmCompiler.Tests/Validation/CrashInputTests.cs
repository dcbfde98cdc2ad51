using System.Text.Json.Nodes;
using static LlmCompiler.Tests.Validation.PlanFixture;

namespace LlmCompiler.Tests.Validation;

/// <summary>The inputs of the original's §2.6 that crashed it: each must give E000/E005 with a position.</summary>
[TestClass]
public sealed class CrashInputTests
{
    [TestMethod]
    [DataRow("id", "1", "E005", "id")]
    [DataRow("id", "null", "E005", "id")]
    [DataRow("context_files", "null", "E005", "context_files")]
    [DataRow("allowed_files", "null", "E005", "allowed_files")]
    [DataRow("context_files", "[\"a.py\", 3]", "E005", "context_files[1]")]
    [DataRow("allowed_files", "[{}]", "E005", "allowed_files[0]")]
    [DataRow("acceptance_commands", "[42]", "E005", "acceptance_commands[0]")]
    [DataRow("preconditions", "null", "E005", "preconditions")]
    [DataRow("postconditions", "null", "E005", "postconditions")]
    [DataRow("preconditions", "[\"x\"]", "E005", "preconditions[0]")]
    [DataRow("postconditions", "[7]", "E005", "postconditions[0]")]
    [DataRow("preconditions", "[{\"kind\": \"file_exists\"}]", "E005", "preconditions[0].path")]
    [DataRow("preconditions", "[{\"kind\": 5, \"path\": \"a\"}]", "E005", "preconditions[0].kind")]
    [DataRow("provenance", "[1]", "E005", "provenance")]
    public void Work_order_shapes(string property, string json, string code, string field)
    {
        var wo = Wo("WO-01");
        wo[property] = JsonNode.Parse(json);
        var text = Text(Manifest(wo));
        var result = Validate(text);
        var d = result.Diagnostics.First(x => x.Code == code && x.Field == field);
        Assert.IsGreaterThan(0, d.Line, d.ToString());
        Assert.AreEqual(FileName, d.File);
    }

    [TestMethod]
    [DataRow("{\"work_orders\": [1,2]}")]
    [DataRow("[1,2]")]
    [DataRow("{\"work_orders\": [{}], \"verify_contract\": {\"command\": \"x\", \"requires\": null}}")]
    [DataRow("{\"work_orders\": [{}], \"verify_contract\": {\"command\": \"x\", \"requires\": [\"x\", null, 1]}}")]
    [DataRow("{\"work_orders\": [{\"id\": {\"nested\": [1, {\"deep\": null}]}}]}")]
    [DataRow("{\"work_orders\": [{\"preconditions\": [{\"kind\": \"file_exists\", \"path\": null}]}]}")]
    [DataRow("\uFEFF{\"work_orders\": []}")]
    [DataRow("")]
    [DataRow("   ")]
    [DataRow("{\"work_orders\": [] } trailing")]
    [DataRow("{\"a\": \"\\ud800\"}")]
    public void Documents_that_crashed_or_are_malformed_give_diagnostics(string text)
    {
        var result = Validate(text);
        Assert.IsTrue(result.HasErrors, Describe(result));
        Assert.IsTrue(result.Diagnostics.All(d => d.Code is "E000" or "E001" or "E005" or "E106" or "W102"), Describe(result));
        Assert.IsTrue(result.Diagnostics.Where(d => d.File is not null).All(d => d.Line > 0), Describe(result));
    }

    [TestMethod]
    public void Invalid_utf8_is_a_positioned_parse_error()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("{\n  \"work_orders\": [\"ab\"]\n}").ToList();
        bytes.Insert(bytes.IndexOf((byte)'a') + 1, 0xFF);
        var doc = LlmCompiler.Contracts.ContractReader.ReadManifest(new LlmCompiler.Contracts.Json.SourceText(FileName, bytes.ToArray()));
        var d = doc.DocumentDiagnostics.Single();
        Assert.AreEqual("E000", d.Code);
        Assert.AreEqual(2, d.Line, d.ToString());
    }

    [TestMethod]
    public void Deep_nesting_is_a_parse_error_not_a_stack_overflow()
    {
        var text = "{\"work_orders\": [" + new string('[', 100_000) + new string(']', 100_000) + "]}";
        var d = Validate(text).Single("E000");
        StringAssert.Contains(d.Message, "depth");
    }

    [TestMethod]
    public void Oversized_document_is_rejected_before_parsing()
    {
        var text = "{\"work_orders\": [], \"x\": \"" + new string('a', 10 * 1024 * 1024) + "\"}";
        StringAssert.Contains(Validate(text).Single("E000").Message, "10 MiB");
    }
}
