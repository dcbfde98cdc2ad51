using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Validation;
using static LlmCompiler.Tests.Validation.PlanFixture;

namespace LlmCompiler.Tests.Validation;

/// <summary>The original's §7.2 conformance list, translated to CONTRACT.md where it differs.</summary>
[TestClass]
public sealed class ChainValidationTests
{
    private static JsonObject Creates(string id, params string[] files) => Wo(id, chain: true, allowed: files);

    private static JsonObject WithPre(JsonObject wo, params JsonObject[] pre)
    {
        wo["preconditions"] = new JsonArray([.. pre]);
        return wo;
    }

    [TestMethod]
    public void E101_file_exists_precondition_nobody_creates()
    {
        var text = Text(Manifest(Creates("WO-01", "scripts/verify.sh"), WithPre(Creates("WO-02", "src/b.py"), Exists("src/models.py"))));
        var d = Validate(text).Single("E101");
        d.AssertAt("E101", "WO-02", "preconditions[0]", PositionOf(text, "{", "\"preconditions\": [\n        "));
        StringAssert.Contains(d.Message, "src/models.py");
    }

    [TestMethod]
    public void E101_satisfied_by_an_earlier_work_order_or_the_listing()
    {
        Validate(Manifest(Creates("WO-01", "src/models.py"), WithPre(Creates("WO-02", "src/b.py"), Exists("src/models.py")))).AssertNo("E101");
        Validate(Manifest(WithPre(Creates("WO-01", "src/b.py"), Exists("README.md"))), "README.md").AssertNo("E101");
        Validate(Manifest(WithPre(Creates("WO-01", "src/new.py"), Absent("src/new.py")))).AssertNo("E101");
        Validate(Manifest(Creates("WO-01", "src/a.py"))).AssertNo("E101");
    }

    [TestMethod]
    public void E101_file_absent_but_present()
    {
        var d = Validate(Manifest(WithPre(Creates("WO-01", "src/b.py"), Absent("README.md"))), "README.md").Single("E101");
        StringAssert.Contains(d.Message, "repository already contains");
        var e = Validate(Manifest(Creates("WO-01", "src/a.py"), WithPre(Creates("WO-02", "src/b.py"), Absent("src/a.py")))).Single("E101");
        Assert.AreEqual("WO-02", e.WoId);
        StringAssert.Contains(e.Message, "earlier work order");
    }

    [TestMethod]
    public void E101_three_step_chain_is_clean()
    {
        var plan = Manifest(
            Creates("WO-01", "src/base.py"),
            WithPre(Creates("WO-02", "src/derived.py"), Exists("src/base.py"), Absent("src/derived.py")),
            WithPre(Creates("WO-03", "tests/test_derived.py"), Exists("src/derived.py"), Exists("src/base.py")));
        Validate(plan).AssertClean();
    }

    [TestMethod]
    public void E101_a_directory_is_not_a_file()
    {
        Validate(Manifest(WithPre(Creates("WO-01", "src/b.py"), Exists("src"))), "src/a.py").Single("E101");
    }

    [TestMethod]
    public void E102_contradictory_preconditions_also_yield_one_E101()
    {
        var text = Text(Manifest(WithPre(Creates("WO-01", "src/b.py"), Exists("src/a.py"), Absent("src/a.py"))));
        var result = Validate(text);
        var d = result.Single("E102");
        Assert.AreEqual("preconditions[1]", d.Field);
        StringAssert.Contains(d.Message, "src/a.py");
        result.Single("E101");
        CollectionAssert.AreEqual(new[] { "E102", "E101" }, result.Codes());
    }

    [TestMethod]
    public void E102_is_reported_once_per_path_at_the_first_absent_however_often_either_is_listed()
    {
        var wo = WithPre(Creates("WO-01", "src/b.py"), Exists("src/a.py"), Absent("src/a.py"), Exists("src/a.py"), Absent("src/a.py"), Absent("src/c.py"), Exists("src/c.py"));
        var result = Validate(Manifest(wo), "src/a.py");
        CollectionAssert.AreEqual(new[] { "preconditions[1]", "preconditions[4]" }, result.Diagnostics.Where(d => d.Code == "E102").Select(d => d.Field).ToArray(), Describe(result));
    }

    [TestMethod]
    public void E102_different_paths_are_fine()
    {
        Validate(Manifest(WithPre(Creates("WO-01", "src/c.py"), Exists("src/a.py"), Absent("src/b.py"))), "src/a.py").AssertNo("E102");
    }

    [TestMethod]
    public void E103_postcondition_outside_allowed_files()
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["postconditions"] = new JsonArray(Exists("src/a.py"), Exists("src/b.py"));
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E103");
        d.AssertAt("E103", "WO-01", "postconditions[1]", PositionOf(text, "{", "\"src/a.py\"\n        },\n        "));
        StringAssert.Contains(d.Message, "src/b.py");
    }

    [TestMethod]
    public void E104_allowed_file_without_postcondition_and_the_no_postconditions_escape()
    {
        var wo = Creates("WO-01", "src/a.py", "src/b.py");
        wo["postconditions"] = new JsonArray(Exists("src/a.py"));
        var d = Validate(Manifest(wo)).Single("E104");
        Assert.AreEqual("allowed_files[1]", d.Field);
        StringAssert.Contains(d.Message, "src/b.py");

        wo["postconditions"] = new JsonArray();
        var result = Validate(Manifest(wo));
        result.AssertNo("E103");
        result.AssertNo("E104");
    }

    [TestMethod]
    public void E103_E104_compare_normalised_paths()
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["postconditions"] = new JsonArray(Exists("./src/a.py"));
        Validate(Manifest(wo)).AssertClean();
    }

    [TestMethod]
    public void W101_missing_python_module_and_own_postconditions()
    {
        var wo2 = Creates("WO-02", "tests/t.py");
        wo2["acceptance_commands"] = Array("python -c \"from mypackage.solver import Solver\"");
        var d = Validate(Manifest(Creates("WO-01", "mypackage/__init__.py"), wo2)).Single("W101");
        StringAssert.Contains(d.Message, "mypackage.solver");
        Assert.AreEqual("acceptance_commands[0]", d.Field);

        Validate(Manifest(Creates("WO-01", "mypackage/__init__.py", "mypackage/solver.py"), wo2)).AssertNo("W101");

        var own = Creates("WO-01", "mypackage/__init__.py");
        own["acceptance_commands"] = Array("python -c \"import mypackage\"");
        Validate(Manifest(own)).AssertNo("W101");
    }

    [TestMethod]
    [DataRow("python -c \"import os; assert os.path.isfile('x')\"")]
    [DataRow("python -c \"import collections.abc, heapq, argparse\"")]
    [DataRow("python -c \"from . import x\"")]
    [DataRow("python -m zzz")]
    public void W101_not_for_stdlib_relative_or_module_runs(string command)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command);
        Validate(Manifest(wo)).AssertNo("W101");
    }

    [TestMethod]
    public void W101_repeated_import_warns_once()
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array("python -c \"import zz; import zz\"");
        Validate(Manifest(wo)).Single("W101");
    }

    [TestMethod]
    [DataRow("bash scripts/run.sh", "scripts/run.sh")]
    [DataRow("python tools/check.py --strict", "tools/check.py")]
    [DataRow("dotnet test tests/A/A.csproj", "tests/A/A.csproj")]
    [DataRow("dotnet build --project=src/B/B.csproj", "src/B/B.csproj")]
    [DataRow("dotnet test tests/Missing", "tests/Missing")]
    public void W101_file_arguments_nobody_creates(string command, string path)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command);
        StringAssert.Contains(Validate(Manifest(wo)).Single("W101").Message, $"'{path}'");
    }

    [TestMethod]
    public void W101_file_arguments_that_exist_or_are_created()
    {
        var wo = Creates("WO-01", "tests/A/A.csproj", "tests/A/ATests.cs");
        wo["acceptance_commands"] = Array("dotnet test tests/A/A.csproj --filter FullyQualifiedName~A.Tests.ATests", "dotnet test tests/A", "bash scripts/run.sh");
        Validate(Manifest(wo), "scripts/run.sh").AssertNo("W101");
    }

    [TestMethod]
    public void E106_verify_contract_never_satisfied()
    {
        var manifest = Manifest(Creates("WO-01", "scripts/verify.sh"));
        manifest["verify_contract"] = StandardContract();
        var text = Text(manifest);
        var d = Validate(text).Single("E106");
        d.AssertAt("E106", null, "verify_contract.requires[1]", PositionOf(text, "{", "\"scripts/verify.sh\"\n      },\n      "));
        StringAssert.Contains(d.Message, "test_placeholder.py");
    }

    [TestMethod]
    public void E106_satisfied_across_work_orders_by_the_listing_or_absent_contract()
    {
        var manifest = Manifest(Creates("WO-01", "scripts/verify.sh"), Creates("WO-02", "tests/test_placeholder.py"));
        manifest["verify_contract"] = StandardContract();
        Validate(manifest).AssertNo("E106");
        Validate(Manifest(Creates("WO-01", "src/a.py"))).AssertNo("E106");
        var listed = Manifest(Creates("WO-01", "src/a.py"));
        listed["verify_contract"] = StandardContract();
        Validate(listed, "scripts/verify.sh", "tests/test_placeholder.py").AssertNo("E106");
    }

    [TestMethod]
    [DataRow("bash scripts/verify.sh")]
    [DataRow("  bash scripts/verify.sh  ")]
    [DataRow("bash  scripts/verify.sh")]
    [DataRow("bash ./scripts/verify.sh")]
    [DataRow("bash 'scripts/verify.sh'")]
    [DataRow("bash scripts/../scripts/verify.sh")]
    public void E105_legacy_verify_script_in_acceptance(string command)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command, "python -c \"assert True\"");
        Assert.AreEqual("acceptance_commands[0]", Validate(Manifest(wo)).Single("E105").Field);
    }

    [TestMethod]
    [DataRow("python -c \"assert True\"")]
    [DataRow("bash scripts/run.sh")]
    [DataRow("bash scripts/verify.sh -x")]
    [DataRow("sh scripts/verify.sh")]
    public void E105_not_for_other_commands(string command)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command);
        Validate(Manifest(wo)).AssertNo("E105");
    }

    [TestMethod]
    public void E105_only_on_the_offending_work_order()
    {
        var wo2 = Creates("WO-02", "src/b.py");
        wo2["acceptance_commands"] = Array("bash scripts/verify.sh");
        Assert.AreEqual("WO-02", Validate(Manifest(Creates("WO-01", "src/a.py"), wo2)).Single("E105").WoId);
    }

    [TestMethod]
    [DataRow("dotnet test", "dotnet test")]
    [DataRow("dotnet  test", "dotnet test")]
    [DataRow("dotnet 'test'", "dotnet test")]
    [DataRow("dotnet test ./", "dotnet test .")]
    [DataRow("dotnet test tests/../tests/A.csproj", "dotnet test tests/A.csproj")]
    public void E105_acceptance_equal_to_the_verify_contract_command(string command, string verify)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command);
        var manifest = Manifest(wo);
        manifest["verify_contract"] = new JsonObject { ["command"] = verify, ["requires"] = new JsonArray() };
        StringAssert.Contains(Validate(manifest).Single("E105").Message, "verify contract");
    }

    [TestMethod]
    [DataRow("dotnet test --filter X", "dotnet test")]
    [DataRow("dotnet test", "dotnet test .")]
    public void E105_not_for_a_narrower_or_different_command(string command, string verify)
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["acceptance_commands"] = Array(command);
        var manifest = Manifest(wo);
        manifest["verify_contract"] = new JsonObject { ["command"] = verify, ["requires"] = new JsonArray() };
        Validate(manifest).AssertNo("E105");
    }

    [TestMethod]
    public void E000_verify_contract_shapes()
    {
        foreach (var (json, field) in new[]
        {
            ("[1]", "verify_contract"),
            ("\"dotnet test\"", "verify_contract"),
            ("{\"requires\": []}", "verify_contract.command"),
            ("{\"command\": \"\", \"requires\": []}", "verify_contract.command"),
            ("{\"command\": 5, \"requires\": []}", "verify_contract.command"),
            ("{\"command\": \"dotnet test\"}", "verify_contract.requires"),
            ("{\"command\": \"dotnet test\", \"requires\": null}", "verify_contract.requires"),
            ("{\"command\": \"dotnet test\", \"requires\": [\"x\"]}", "verify_contract.requires[0]"),
            ("{\"command\": \"dotnet test\", \"requires\": [{\"kind\": \"file_exists\"}]}", "verify_contract.requires[0].path"),
            ("{\"command\": \"dotnet test\", \"requires\": [{\"kind\": \"file_exists\", \"path\": \"../x\"}]}", "verify_contract.requires[0].path"),
        })
        {
            var manifest = Manifest(Creates("WO-01", "src/a.py"));
            manifest["verify_contract"] = JsonNode.Parse(json);
            var text = Text(manifest);
            var d = Validate(text).Single("E000");
            Assert.AreEqual(field, d.Field, json);
            Assert.IsGreaterThan(0, d.Line, json);
        }
    }

    [TestMethod]
    public void Verify_contract_requires_with_dot_slash_is_normalised()
    {
        var manifest = Manifest(Creates("WO-01", "src/a.py"));
        manifest["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray(Exists("./src/a.py")) };
        var result = Validate(manifest);
        result.AssertClean();
        Assert.IsFalse(result.VerifyExempt["WO-01"]);
    }

    [TestMethod]
    public void Verify_exempt_prefix_of_the_plan()
    {
        var manifest = Manifest(Creates("WO-01", "scripts/verify.sh"), Creates("WO-02", "tests/test_placeholder.py"));
        manifest["verify_contract"] = StandardContract();
        var exempt = Validate(manifest).VerifyExempt;
        Assert.IsTrue(exempt["WO-01"]);
        Assert.IsFalse(exempt["WO-02"]);

        var one = Manifest(Creates("WO-01", "scripts/verify.sh", "tests/test_placeholder.py"));
        one["verify_contract"] = StandardContract();
        Assert.IsFalse(Validate(one).VerifyExempt["WO-01"]);

        var listed = Manifest(Creates("WO-01", "src/a.py"));
        listed["verify_contract"] = StandardContract();
        Assert.IsFalse(Validate(listed, "scripts/verify.sh", "tests/test_placeholder.py").VerifyExempt["WO-01"]);
    }

    [TestMethod]
    public void Verify_exempt_three_requirements_one_per_work_order()
    {
        var manifest = Manifest(Creates("WO-01", "scripts/verify.sh"), Creates("WO-02", "src/core.py"), Creates("WO-03", "tests/test_core.py"));
        manifest["verify_contract"] = new JsonObject
        {
            ["command"] = "python -m pytest -q",
            ["requires"] = new JsonArray(Exists("scripts/verify.sh"), Exists("src/core.py"), Exists("tests/test_core.py")),
        };
        var exempt = Validate(manifest).VerifyExempt;
        CollectionAssert.AreEqual(new[] { true, true, false }, new[] { exempt["WO-01"], exempt["WO-02"], exempt["WO-03"] });
    }

    [TestMethod]
    public void Verify_exempt_false_without_requirements_and_never_trusted_from_the_model()
    {
        var wo = Creates("WO-01", "src/a.py");
        wo["verify_exempt"] = true;
        var manifest = Manifest(wo);
        Assert.IsFalse(Validate(manifest).VerifyExempt["WO-01"]);
        manifest["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray() };
        Assert.IsFalse(Validate(manifest).VerifyExempt["WO-01"]);
        manifest["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray(Absent("x")) };
        Assert.IsFalse(Validate(manifest).VerifyExempt["WO-01"]);
    }

    [TestMethod]
    public void Verify_exempt_does_not_mutate_its_input()
    {
        var wos = new[] { new WorkOrder { Id = "WO-01", Postconditions = [Condition.Exists("a")] } };
        var result = VerifyExemptCalculator.Compute(wos, new VerifyContract { Command = "x", Requires = [Condition.Exists("b")] }, new HashSet<string>());
        CollectionAssert.AreEqual(new[] { true }, result.ToArray());
        Assert.IsFalse(wos[0].VerifyExempt);
    }

    [TestMethod]
    public void Chain_emission_order_per_work_order()
    {
        var wo = Creates("WO-01", "src/a.py", "src/c.py");
        wo["preconditions"] = new JsonArray(Exists("src/x.py"), Absent("src/x.py"));
        wo["postconditions"] = new JsonArray(Exists("src/a.py"), Exists("src/b.py"));
        wo["acceptance_commands"] = Array("bash scripts/verify.sh", "bash tools/missing.sh");
        var manifest = Manifest(wo);
        manifest["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray(Exists("never.txt")) };
        var result = Validate(manifest);
        CollectionAssert.AreEqual(new[] { "E105", "E102", "E101", "E103", "E104", "E106", "W101", "W101" }, result.Codes(), Describe(result));
    }
}
