using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Validation;

/// <summary>
/// A plan's commands are split with one pool of tokens: the argv of every command is what splitting it alone gives,
/// equal tokens are one instance across commands, and the pool keeps that true as it grows past its first table.
/// </summary>
[TestClass]
public sealed class TokenPoolTests
{
    [TestMethod]
    public void Pooled_tokens_are_the_tokens_of_each_command_and_repeated_ones_are_shared()
    {
        var pool = new TokenPool();
        // Enough distinct tokens to grow the table several times, repeated ones among them, whitespace of every kind.
        var commands = Enumerable.Range(0, 400)
            .Select(i => $"dotnet test\ttests/App.Tests/App.Tests.csproj  --filter FullyQualifiedName~Module{i}Tests\n-v q")
            .Append("dotnet").Append("  dotnet  ").Append("").Append("python3 -c 'print(1)'")
            .ToList();

        var pooled = commands.Select(c => CommandLine.Tokenize(c, pool)).ToList();

        for (var i = 0; i < commands.Count; i++)
        {
            var alone = CommandLine.Tokenize(commands[i]);
            CollectionAssert.AreEqual(alone.Argv.ToArray(), pooled[i].Argv.ToArray(), commands[i]);
            Assert.AreEqual(alone.Error, pooled[i].Error);
        }
        Assert.AreSame(pooled[0].Argv[2], pooled[399].Argv[2]);
        Assert.AreSame(pooled[0].Argv[0], pooled[401].Argv[0], "a token is shared with a command that is only that token, trimmed");
        Assert.AreNotSame(pooled[0].Argv[4], pooled[1].Argv[4]);
        Assert.AreEqual(400, pooled.Take(400).Select(t => t.Argv[4]).Distinct(ReferenceEqualityComparer.Instance).Count());
    }
}
