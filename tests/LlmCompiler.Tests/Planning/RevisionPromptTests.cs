using LlmCompiler.Diagnostics;
using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class RevisionPromptTests
{
    [TestMethod]
    public void Cites_code_id_field_and_message_with_the_offending_line()
    {
        var previous = "{\n  \"work_orders\": [\n    {\"id\": \"WO-01\", \"allowed_files\": [\"src/*.cs\"]}\n  ]\n}";
        var error = new Diagnostic("E004", DiagnosticSeverity.Error, "WO-01", "allowed_files[0]", "glob character in 'src/*.cs'", "r.txt", 3, 40);
        var warning = new Diagnostic("W102", DiagnosticSeverity.Warning, "WO-01", "colour", "unknown property 'colour'", "r.txt", 3, 5);

        var request = RevisionPrompt.Build("RULES AND SPEC", previous, [error, warning], previousWasJson: true);

        Assert.HasCount(3, request.Messages);
        Assert.AreEqual("user", request.Messages[0].Role);
        Assert.AreEqual("RULES AND SPEC", request.Messages[0].Content);
        Assert.AreEqual("assistant", request.Messages[1].Role);
        Assert.AreEqual(previous, request.Messages[1].Content);
        var text = request.Messages[2].Content;
        StringAssert.Contains(text, "- [E004] WO-01 allowed_files[0]: glob character in 'src/*.cs'");
        StringAssert.Contains(text, "at line 3, column 40 of your previous answer:");
        StringAssert.Contains(text, "\"allowed_files\": [\"src/*.cs\"]");
        var warnings = text.IndexOf("## Warnings", StringComparison.Ordinal);
        Assert.IsGreaterThan(text.IndexOf("[E004]", StringComparison.Ordinal), warnings);
        Assert.IsGreaterThan(warnings, text.IndexOf("[W102]", StringComparison.Ordinal));
        StringAssert.Contains(text, "complete corrected JSON object");
    }

    [TestMethod]
    public void Cite_omits_missing_parts()
    {
        Assert.AreEqual("[E000]: JSON parse error: x", RevisionPrompt.Cite(DiagnosticCatalog.Create("E000", "JSON parse error: x")));
        Assert.AreEqual("[E106] verify_contract.requires[0]: never created",
            RevisionPrompt.Cite(DiagnosticCatalog.Create("E106", "never created", field: "verify_contract.requires[0]")));
    }

    [TestMethod]
    public void Long_previous_answers_and_long_error_lists_are_bounded()
    {
        var previous = new string('x', RevisionPrompt.MaxPreviousResponseChars * 2);
        var errors = Enumerable.Range(0, 100).Select(i => DiagnosticCatalog.Create("E005", $"problem {i}", "WO-01")).ToList();

        var request = RevisionPrompt.Build("R", previous, errors, previousWasJson: true);

        Assert.IsLessThan(RevisionPrompt.MaxPreviousResponseChars + 200, request.Messages[1].Content.Length);
        StringAssert.Contains(request.Messages[1].Content, "omitted");
        StringAssert.Contains(request.Messages[2].Content, "and 60 more");
        Assert.DoesNotContain("problem 40", request.Messages[2].Content);
    }
}

[TestClass]
public sealed class ManifestSchemaTests
{
    [TestMethod]
    public void Every_request_carries_the_strict_manifest_schema_and_a_valid_plan_conforms_to_its_keys()
    {
        var initial = RevisionPrompt.InitialRequest("p");
        var revision = RevisionPrompt.Build("p", "x", [], previousWasJson: false);
        Assert.AreEqual(ManifestSchema.Name, initial.JsonSchemaName);
        Assert.AreEqual(ManifestSchema.Json, revision.JsonSchema);

        using var schema = System.Text.Json.JsonDocument.Parse(ManifestSchema.Json);
        var woSchema = schema.RootElement.GetProperty("properties").GetProperty("work_orders").GetProperty("items");
        var required = woSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        var declared = woSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.IsTrue(required.SetEquals(declared), "strict mode needs every property required");
        using var plan = System.Text.Json.JsonDocument.Parse(SamplePlans.Valid);
        foreach (var wo in plan.RootElement.GetProperty("work_orders").EnumerateArray())
        {
            Assert.IsTrue(wo.EnumerateObject().Select(p => p.Name).ToHashSet().SetEquals(declared));
        }
    }
}
