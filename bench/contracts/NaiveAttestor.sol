// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Baseline: the obvious attestation contract. It stores the full record of every attestation,
/// checks a coordinator mapping and mints through its own ERC-20 in the same transaction.
contract NaiveAttestor is ERC20 {
    struct Record {
        address volunteer;
        uint16 category;
        uint32 units;
        uint40 time;
        bytes32 evidenceHash;
        uint96 amount;
        address attester;
        uint40 attestedAt;
        bool revoked;
    }

    mapping(address => bool) public coordinators;
    mapping(uint16 => uint96) public coinsPerUnit;
    mapping(bytes32 => Record) public records;

    event Attested(bytes32 indexed id, address indexed volunteer, uint256 amount);

    constructor() ERC20("Naive", "NAV") {
        coordinators[msg.sender] = true;
    }

    function setRate(uint16 category, uint96 rate) external {
        require(coordinators[msg.sender], "not coordinator");
        coinsPerUnit[category] = rate;
    }

    function attest(bytes32 id, address volunteer, uint16 category, uint32 units, uint40 time, bytes32 evidenceHash)
        external
    {
        require(coordinators[msg.sender], "not coordinator");
        require(records[id].volunteer == address(0), "already attested");
        uint96 amount = uint96(coinsPerUnit[category] * units);
        records[id] = Record(volunteer, category, units, time, evidenceHash, amount, msg.sender, uint40(block.timestamp), false);
        emit Attested(id, volunteer, amount);
        _mint(volunteer, amount);
    }
}
