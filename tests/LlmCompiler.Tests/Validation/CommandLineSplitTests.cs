using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Validation;

/// <summary>
/// A command without quotes, escapes or operators is split at spaces, tabs and line breaks without the quoting
/// machinery; the argv must be what the quoting rules give for the same text (a harmless quote forces that path).
/// </summary>
[TestClass]
public sealed class CommandLineSplitTests
{
    [TestMethod]
    [DataRow("dotnet test tests/A.Tests/A.Tests.csproj", new[] { "dotnet", "test", "tests/A.Tests/A.Tests.csproj" })]
    [DataRow("  a\tb  c\n d\r\n", new[] { "a", "b", "c", "d" })]
    [DataRow("single", new[] { "single" })]
    [DataRow("\t\tlast", new[] { "last" })]
    [DataRow("first \t", new[] { "first" })]
    [DataRow("", new string[0])]
    [DataRow(" \t\r\n ", new string[0])]
    [DataRow("ünïcödé\u00A0stays one-token x", new[] { "ünïcödé\u00A0stays", "one-token", "x" })]
    public void A_plain_command_splits_as_the_quoting_rules_split_it(string command, string[] expected)
    {
        var plain = CommandLine.Tokenize(command);
        // An empty pair of quotes at the end adds nothing to the last token but takes the quoting path.
        var quoted = CommandLine.Tokenize(command.TrimEnd(' ', '\t', '\r', '\n') + "''");

        CollectionAssert.AreEqual(expected, plain.Argv.ToArray());
        Assert.IsNull(plain.Error);
        if (expected.Length > 0) CollectionAssert.AreEqual(expected, quoted.Argv.ToArray());
    }

    [TestMethod]
    public void A_command_that_is_one_token_is_that_token()
    {
        const string command = "make";
        Assert.AreSame(command, CommandLine.Tokenize(command).Argv.Single());
    }
}
