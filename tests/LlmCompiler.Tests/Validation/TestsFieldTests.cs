using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.TestsFirst;
using LlmCompiler.Validation;
using static LlmCompiler.Testing.WorkOrderFiles;

namespace LlmCompiler.Tests.Validation;

/// <summary>
/// The <c>tests</c> field (E112 at its element, implied postconditions, the canonical hash unchanged without it) and
/// the deterministic judges of tests written first: the red classifier and the TRX reader.
/// </summary>
[TestClass]
public sealed class TestsFieldTests
{
    private static JsonObject Wo(string id, string[] creates, string[]? tests = null, string[]? requires = null) => new()
    {
        ["id"] = id, ["title"] = $"Work {id}", ["intent"] = $"Do {id}.",
        ["preconditions"] = new JsonArray([.. (requires ?? []).Select(r => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = r })]),
        ["postconditions"] = new JsonArray([.. creates.Select(c => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = c })]),
        ["allowed_files"] = new JsonArray([.. creates.Select(c => (JsonNode)c)]),
        ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray("dotnet test tests/Lib.Tests/Lib.Tests.csproj"),
        ["context_files"] = new JsonArray(), ["notes"] = null,
        ["tests"] = tests is null ? null : new JsonArray([.. tests.Select(t => (JsonNode)t)]),
    };

    private static string Plan(params JsonObject[] workOrders) => new JsonObject
    {
        ["system_overview"] = new JsonArray("A plan."),
        ["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray() },
        ["work_orders"] = new JsonArray([.. workOrders]),
    }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    private static ValidationResult Validate(string text) =>
        PlanValidator.Validate(ContractReader.ReadManifest(SourceText.FromString("plan.json", text)),
            new ValidationOptions { CheckPythonSyntax = false, RepoFiles = new HashSet<string>(StringComparer.Ordinal) });

    [TestMethod]
    public void A_test_in_another_work_orders_allowed_files_is_E112_at_the_tests_element_even_in_another_case()
    {
        var text = Plan(Wo("WO-01", ["src/Slug.cs"], tests: ["tests/SlugTests.cs"]), Wo("WO-02", ["Tests/slugtests.cs"], requires: ["src/Slug.cs"]));

        var d = Validate(text).Diagnostics.Single(x => x.Code == DiagnosticCodes.TestInAllowedFiles);

        Assert.AreEqual(PositionOf(text, "\"tests/SlugTests.cs\""), (d.Line, d.Column), d.ToCanonicalString());
        Assert.AreEqual("WO-01", d.WoId);
        StringAssert.Contains(d.Message, "WO-02's allowed_files (as 'Tests/slugtests.cs'");
    }

    [TestMethod]
    public void A_test_in_its_own_allowed_files_is_E112_and_a_clean_one_is_an_implied_postcondition()
    {
        var own = Plan(Wo("WO-01", ["src/Slug.cs", "tests/SlugTests.cs"], tests: ["tests/SlugTests.cs"]));
        StringAssert.Contains(Validate(own).Diagnostics.Single(x => x.Code == DiagnosticCodes.TestInAllowedFiles).Message, "its own allowed_files");

        // WO-02 requires the test file WO-01 writes first: the chain rules see it created (no E101/E111).
        var clean = Plan(Wo("WO-01", ["src/Slug.cs"], tests: ["tests/SlugTests.cs"]), Wo("WO-02", ["src/More.cs"], requires: ["tests/SlugTests.cs"]));
        Assert.IsFalse(Validate(clean).Diagnostics.Any(x => x.IsError), string.Join(" | ", Validate(clean).Diagnostics));
    }

    [TestMethod]
    public void The_canonical_hash_changes_with_tests_and_not_without_them()
    {
        var without = ContractReader.ReadManifest(SourceText.FromString("a.json", Plan(Wo("WO-01", ["src/Slug.cs"])))).WorkOrders[0].Value;
        var explicitNull = ContractReader.ReadManifest(SourceText.FromString("b.json", Plan(Wo("WO-01", ["src/Slug.cs"], tests: null)))).WorkOrders[0].Value;
        var with = ContractReader.ReadManifest(SourceText.FromString("c.json", Plan(Wo("WO-01", ["src/Slug.cs"], tests: ["tests/SlugTests.cs"])))).WorkOrders[0].Value;
        Assert.AreEqual(WorkOrderIdentity.Sha256(without), WorkOrderIdentity.Sha256(explicitNull), "a plan without tests keeps its hashes (and its landed trailers)");
        Assert.AreNotEqual(WorkOrderIdentity.Sha256(without), WorkOrderIdentity.Sha256(with));
        CollectionAssert.Contains(with.CreatedPaths.ToList(), "tests/SlugTests.cs");
    }

    private static FrozenTestSet Frozen(string path = "tests/Lib.Tests/SlugTests.cs") =>
        new([new FrozenFile(path, "b", "s", System.Text.Encoding.UTF8.GetBytes("namespace Lib.Tests;\n[TestClass]\npublic sealed class SlugTests { }\n"))], new RedEvidence("", [], []), "m");

    [TestMethod]
    [DataRow("/w/tests/Lib.Tests/SlugTests.cs(9,69): error CS0234: The type or namespace name 'Slug' does not exist in the namespace 'Lib' [/w/tests/Lib.Tests/Lib.Tests.csproj]", RedKind.Red, "missing symbols")]
    [DataRow("/w/tests/Lib.Tests/SlugTests.cs(9,69): error CS1002: ; expected [/w/tests/Lib.Tests/Lib.Tests.csproj]", RedKind.WrongReason, "not a missing symbol")]
    [DataRow("/w/tests/Lib.Tests/Lib.Tests.csproj : error NU1101: Unable to find package Nope. [/w/tests/Lib.Tests/Lib.Tests.csproj]", RedKind.WrongReason, "a restore error")]
    [DataRow("/w/src/Lib/Other.cs(3,1): error CS0103: The name 'x' does not exist in the current context [/w/src/Lib/Lib.csproj]", RedKind.WrongReason, "outside the frozen tests")]
    [DataRow("/w/tests/Lib.Tests/Lib.Tests.csproj : error MSB4025: The project file could not be loaded.", RedKind.WrongReason, "an MSBuild error")]
    public void Compiler_and_restore_errors_are_red_only_when_every_one_is_a_missing_symbol_in_a_frozen_file(string line, RedKind kind, string why)
    {
        var output = $"  Determining projects to restore...\n{line}\n\nBuild FAILED.\n\n{line}\n    1 Error(s)\n";

        var verdict = RedClassifier.Classify(acceptancePassed: false, [], output, Frozen());

        Assert.AreEqual(kind, verdict.Kind, verdict.Explanation);
        StringAssert.Contains(verdict.Explanation, why);
    }

    [TestMethod]
    public void Test_results_decide_red_by_the_frozen_class_and_a_pass_is_not_red()
    {
        var frozenFails = RedClassifier.Classify(false, [new TestOutcome("Lib.Tests.SlugTests", "Lowercases", "Failed"), new TestOutcome("Lib.Tests.Other", "Ok", "Passed")], "", Frozen());
        Assert.AreEqual(RedKind.Red, frozenFails.Kind);
        CollectionAssert.AreEqual(new[] { "Lib.Tests.SlugTests.Lowercases" }, frozenFails.Evidence!.FailingTests.ToArray());

        var elsewhere = RedClassifier.Classify(false, [new TestOutcome("Lib.Tests.Other", "Broken", "Failed")], "", Frozen());
        Assert.AreEqual(RedKind.WrongReason, elsewhere.Kind);
        StringAssert.Contains(elsewhere.Explanation, "Lib.Tests.Other.Broken");

        Assert.AreEqual(RedKind.NotRed, RedClassifier.Classify(true, [new TestOutcome("Lib.Tests.SlugTests", "Lowercases", "Passed")], "", Frozen()).Kind);
    }

    [TestMethod]
    public void The_TRX_reader_joins_results_to_their_classes_and_skips_a_broken_file()
    {
        using var dir = new TempDirectory("llmc-trx");
        File.WriteAllText(Path.Combine(dir.Path, "a.trx"), """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testId="1" testName="Lowercases" outcome="Failed" />
                <UnitTestResult testId="2" testName="Skipped" outcome="NotExecuted" />
              </Results>
              <TestDefinitions>
                <UnitTest id="1" name="Lowercases"><TestMethod className="Lib.Tests.SlugTests" name="Lowercases" /></UnitTest>
                <UnitTest id="2" name="Skipped"><TestMethod className="Lib.Tests.SlugTests, Lib.Tests, Version=1.0.0.0" name="Skipped" /></UnitTest>
              </TestDefinitions>
            </TestRun>
            """);
        File.WriteAllText(Path.Combine(dir.Path, "b.trx"), "<TestRun><Results>");

        var results = TrxResults.ReadDirectory(dir.Path);

        CollectionAssert.AreEqual(new[] { "Lib.Tests.SlugTests.Lowercases Failed", "Lib.Tests.SlugTests.Skipped NotExecuted" }, results.Select(r => $"{r.FullName} {r.Outcome}").ToArray());
        Assert.IsTrue(results.All(r => Frozen().IsFrozenTest(r)));
    }
}
