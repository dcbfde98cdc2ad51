using LlmCompiler.Contracts.Json;
using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class ResponseExtractorTests
{
    [TestMethod]
    public void Plain_json_parses_as_is()
    {
        var result = ResponseExtractor.Parse("r.txt", "{\"work_orders\": []}");

        Assert.IsTrue(result.Success);
        Assert.AreEqual(JsonSyntaxKind.Object, result.Root!.Value.Kind);
    }

    [TestMethod]
    public void Fenced_json_parses_and_positions_point_into_the_raw_text()
    {
        var raw = "```json\n{\n  \"work_orders\": [\n    42\n  ]\n}\n```\n";

        var result = ResponseExtractor.Parse("r.txt", raw);

        Assert.IsTrue(result.Success);
        var item = result.Root!.Value.Get("work_orders")!.Value.Items[0];
        Assert.AreEqual(new LlmCompiler.Diagnostics.SourcePosition(4, 5), result.Source.GetPosition(item.Start));
        Assert.AreEqual("r.txt", result.Source.Path);
    }

    [TestMethod]
    public void Prose_wrapped_json_parses()
    {
        var raw = "Here is the plan you asked for:\n\n{\"work_orders\": [{\"id\": \"WO-01\", \"notes\": \"a } inside a string ü\"}]}\n\nLet me know if {anything} changes.";

        var result = ResponseExtractor.Parse("r.txt", raw);

        Assert.IsTrue(result.Success);
        Assert.IsNotNull(result.Root!.Value.Find("work_orders"));
        Assert.AreEqual(3, result.Source.GetPosition(result.Root!.Value.Start).Line);
    }

    [TestMethod]
    public void Prose_before_a_fence_with_a_language_tag_parses()
    {
        var raw = "Sure! The manifest:\n```JSON\n{\"work_orders\": [1]}\n```\nThat is all.";

        Assert.IsTrue(ResponseExtractor.Parse("r.txt", raw).Success);
    }

    [TestMethod]
    public void Two_objects_are_rejected_rather_than_guessed()
    {
        var result = ResponseExtractor.Parse("r.txt", "{\"work_orders\": []}\n{\"work_orders\": [1]}");

        Assert.IsFalse(result.Success);
        Assert.AreEqual("E303", result.Error!.Code);
        Assert.AreEqual(2, result.Error.Line);
    }

    [TestMethod]
    public void Garbage_is_one_E303_with_a_position_in_the_saved_file()
    {
        var result = ResponseExtractor.Parse("r.txt", "I cannot help with that.");

        Assert.IsFalse(result.Success);
        Assert.AreEqual("E303", result.Error!.Code);
        Assert.AreEqual("r.txt", result.Error.File);
        Assert.IsTrue(result.Error.Line >= 1);
    }

    [TestMethod]
    public void Truncated_object_reports_the_error_inside_the_object()
    {
        var raw = "Plan:\n{\"work_orders\": [\n  {\"id\": \"WO-01\"";

        var result = ResponseExtractor.Parse("r.txt", raw);

        Assert.IsFalse(result.Success);
        Assert.IsTrue(result.Error!.Line >= 2, result.Error.ToCanonicalString());
    }
}
