using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using static LlmCompiler.Testing.WorkOrderFiles;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>The <c>difficulty</c> field: bound, checked at its position, hashed only when present.</summary>
[TestClass]
public sealed class DifficultyFieldTests
{
    private static string Plan(JsonNode? difficulty, bool present = true)
    {
        var wo = JsonNode.Parse(InDag("WO-01", "src/a.txt", []))!.AsObject();
        if (present) wo["difficulty"] = difficulty;
        return new JsonObject
        {
            ["system_overview"] = new JsonArray("A plan."),
            ["verify_contract"] = new JsonObject { ["command"] = "true", ["requires"] = new JsonArray() },
            ["work_orders"] = new JsonArray(wo),
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    private static PlanDocument Read(string text) => ContractReader.ReadManifest(SourceText.FromString("plan.json", text));

    [TestMethod]
    [DataRow("easy", WorkOrderDifficulty.Easy)]
    [DataRow("medium", WorkOrderDifficulty.Medium)]
    [DataRow("hard", WorkOrderDifficulty.Hard)]
    public void Each_difficulty_binds(string text, WorkOrderDifficulty expected)
    {
        var document = Read(Plan(text));
        Assert.IsFalse(document.DocumentDiagnostics.Concat(document.WorkOrders.SelectMany(w => w.ShapeDiagnostics)).Any(d => d.IsError));
        Assert.AreEqual(expected, document.WorkOrders.Single().Value.DifficultyLevel);
    }

    [TestMethod]
    [DataRow("extreme")]
    [DataRow("Hard")]
    public void An_unknown_difficulty_is_E005_at_its_value(string text)
    {
        var plan = Plan(text);
        var error = Read(plan).WorkOrders.Single().ShapeDiagnostics.Single(d => d.IsError);
        Assert.AreEqual("E005", error.Code);
        Assert.AreEqual(PositionOf(plan, $"\"{text}\""), (error.Line, error.Column), error.ToCanonicalString());
        StringAssert.Contains(error.Message, "one of easy, medium, hard");
    }

    [TestMethod]
    public void Absent_and_null_mean_medium_and_leave_the_hash_of_a_plan_written_before_the_field()
    {
        var absent = Read(Plan(null, present: false)).WorkOrders.Single().Value;
        var nulled = Read(Plan(null)).WorkOrders.Single().Value;
        var hard = Read(Plan("hard")).WorkOrders.Single().Value;
        Assert.AreEqual(WorkOrderDifficulty.Medium, absent.DifficultyLevel);
        Assert.AreEqual(WorkOrderIdentity.Sha256(absent), WorkOrderIdentity.Sha256(nulled));
        Assert.AreNotEqual(WorkOrderIdentity.Sha256(absent), WorkOrderIdentity.Sha256(hard), "a stated difficulty is part of the work order");
    }
}
