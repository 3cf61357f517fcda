package api

// DefaultPort is the port an agent's API listens on unless told otherwise.
const DefaultPort = "7070"

// DefaultServer is where a client finds the agent of its own node.
const DefaultServer = "http://127.0.0.1:" + DefaultPort

// TokenFile is the name of the file, in an agent's state folder, that holds the node's own
// API token, readable by its owner only: the CLI and the companion servers on the node read
// it when given no token.
const TokenFile = "api-token"
