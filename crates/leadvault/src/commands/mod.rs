pub mod audit;
pub mod config_check;
pub mod create_owner;
pub mod demo;
pub mod forms;
pub mod keys;
pub mod migrate;
pub mod serve;
