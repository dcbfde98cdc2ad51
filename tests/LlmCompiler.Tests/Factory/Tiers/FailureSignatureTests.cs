using LlmCompiler.Factory.Health;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>Normalised first tool diagnostics: the same environmental failure reads the same in every work order and on every machine.</summary>
[TestClass]
public sealed class FailureSignatureTests
{
    [TestMethod]
    [DataRow(
        "/tmp/llmc/worktrees/ab12/slot-1/src/Lib/Lib.csproj : error NU1101: Unable to find package Contoso.Missing. No packages exist with this id in source(s): feed [/tmp/llmc/worktrees/ab12/slot-1/src/Lib/Lib.csproj]",
        "/home/ci/.cache/llmc/worktrees/9f00/slot-2/src/App/App.csproj : error NU1101: Unable to find package Contoso.Missing. No packages exist with this id in source(s): feed [/home/ci/.cache/llmc/worktrees/9f00/slot-2/src/App/App.csproj]")]
    [DataRow(
        "/repo/a/A.csproj(12,3): error MSB4019: The imported project \"/usr/share/dotnet/sdk/10.0.100/Sdks/Contoso.Sdk/Sdk/Sdk.props\" was not found.",
        "/other/b/B.csproj(1,1): error MSB4019: The imported project \"/opt/dotnet/sdk/10.0.100/Sdks/Contoso.Sdk/Sdk/Sdk.props\" was not found.")]
    [DataRow(
        "2026-12-01T10:00:00.123Z error NETSDK1045: The current .NET SDK does not support targeting .NET 11.0. [run 3f2504e0-4f89-11d3-9a0c-0305e82c3301, 1.5 s]",
        "2026-11-30 09:12:44 error NETSDK1045: The current .NET SDK does not support targeting .NET 11.0. [run 7c9e6679-7425-40de-944b-e07fc1f90ae7, 12 ms]")]
    public void The_same_failure_in_two_places_has_one_signature(string first, string second)
    {
        var a = FailureSignature.Of(first);
        Assert.IsNotNull(a);
        Assert.AreEqual(a, FailureSignature.Of(second));
    }

    [TestMethod]
    public void Diagnostic_ids_are_kept_and_positions_paths_guids_and_times_are_not()
    {
        var signature = FailureSignature.Of("/w/src/Foo.cs(3,14): error CS0246: The type or namespace name 'Bar' could not be found (are you missing a using directive?) [/w/src/Foo.csproj]")!;
        Assert.StartsWith("CS0246: ", signature);
        Assert.DoesNotContain("/w/", signature);
        Assert.DoesNotContain("(3,14)", signature);
        Assert.AreNotEqual(signature, FailureSignature.Of("/w/src/Foo.cs(3,14): error CS0103: The name 'Bar' does not exist in the current context"));
    }

    [TestMethod]
    public void An_error_outranks_the_warnings_printed_before_it()
    {
        var output = "warning NU1603: Foo 1.0 depends on Bar (>= 1.0) but Bar 1.0 was not found.\n/r/A.csproj : error NU1101: Unable to find package Baz.";
        StringAssert.StartsWith(FailureSignature.Of(output), "NU1101: ");
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("Assert.AreEqual failed. Expected:<1>. Actual:<2>.")]
    public void Output_without_a_tool_diagnostic_has_no_signature(string? output) => Assert.IsNull(FailureSignature.Of(output));
}
