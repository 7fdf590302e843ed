package batchcert

// Selection records a run's -run filter: the expression as given and the scenarios it chose, so
// a report says it covers only part of the suite.
type Selection struct {
	// Run is the -run expression: comma-separated selectors, each a scenario-name regexp or
	// req:RE, op:NAME or code:CODE (scenarios.ParseSelector).
	Run string `json:"run"`
	// Scenarios are the names of the selected scenarios, in run order.
	Scenarios []string `json:"scenarios"`
	// Of is how many scenarios the suite has.
	Of int `json:"of"`
}
