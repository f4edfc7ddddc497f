using System.Text.Json.Nodes;
using TaskManager.Tests.Support;

namespace TaskManager.UnitTests;

/// <summary>An operationId leads to its file in one search: Features/**/{operationId}.cs, holding {operationId}Endpoint,
/// which names the route {operationId}. Read from the committed documents, so every route is covered.</summary>
public sealed class OperationHomeTests
{
    private static readonly string Root = TestRabbitMq.RepositoryRoot();

    private static IEnumerable<string> OperationIds() => Directory.GetFiles(Path.Combine(Root, "openapi"), "*.json")
        .SelectMany(file => JsonNode.Parse(File.ReadAllText(file))!["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value?["operationId"]?.GetValue<string>())))
        .OfType<string>()
        .Distinct()
        .Order(StringComparer.Ordinal);

    [Test]
    public void The_committed_documents_have_operations() => Assert.That(OperationIds().Count(), Is.GreaterThan(50));

    [TestCaseSource(nameof(OperationIds))]
    public void An_operation_lives_in_the_file_of_its_name(string operationId)
    {
        var files = Directory.GetFiles(Path.Combine(Root, "Features"), operationId + ".cs", SearchOption.AllDirectories);

        Assert.That(files.Select(f => Path.GetRelativePath(Root, f)), Has.Exactly(1).Items,
            $"{operationId}: one file Features/<Area>/<Slice>/{operationId}.cs holds its endpoint.");
        var code = File.ReadAllText(files[0]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Does.Contain($"static class {operationId}Endpoint"), $"{files[0]} holds {operationId}Endpoint.");
            Assert.That(code, Does.Contain($".WithName(\"{operationId}\")"), $"{files[0]} names its route {operationId}.");
        });
    }
}
